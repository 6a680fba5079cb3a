package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emitron.core.testing.RawHttp;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The console's and the metrics' routes, and the protocol's JSON errors around them. */
class ConsoleRoutesIT {

  private static EmitronServer start(Map<String, String> extra) {
    Map<String, String> env = new java.util.HashMap<>(Map.of("HOST", "127.0.0.1", "PORT", "0"));
    env.putAll(extra);
    return EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
  }

  @Test
  void theConsoleIsServedAtTheRootAndUnderConsoleAndEverythingElseKeepsItsJsonErrors() {
    try (EmitronServer server = start(Map.of())) {
      RawHttp.Response page = RawHttp.request(server.uri(), "GET", "/", Map.of(), null);
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("Content-Type")).startsWith("text/html");
      assertThat(page.bodyText()).contains("<title>emitron console</title>", "console/console.js");
      for (String file : new String[] {"/console/console.js", "/console/console.css", "/console/index.html"}) {
        assertThat(RawHttp.request(server.uri(), "GET", file, Map.of(), null).status()).as(file).isEqualTo(200);
      }

      RawHttp.Response missing = RawHttp.request(server.uri(), "GET", "/console/nope.js", Map.of(), null);
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.bodyText()).contains("\"error\":\"not_found\"");
      RawHttp.Response post = RawHttp.request(server.uri(), "POST", "/", Map.of(), new byte[0]);
      assertThat(post.status()).isEqualTo(405);
      assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
      assertThat(post.bodyText()).contains("\"error\":\"method_not_allowed\"");
      assertThat(RawHttp.request(server.uri(), "GET", "/nope", Map.of(), null).status()).isEqualTo(404);

      RawHttp.Response metrics = RawHttp.request(server.uri(), "GET", "/metrics", Map.of(), null);
      assertThat(metrics.status()).isEqualTo(200);
      assertThat(metrics.bodyText()).contains("emitron_streams_open 0.0");
      assertThat(RawHttp.request(server.uri(), "DELETE", "/metrics", Map.of(), null).status()).isEqualTo(405);
    }
  }

  @Test
  void consoleFalseTurnsTheConsoleOff() {
    try (EmitronServer server = start(Map.of("CONSOLE", "false"))) {
      RawHttp.Response root = RawHttp.request(server.uri(), "GET", "/", Map.of(), null);
      assertThat(root.status()).isEqualTo(404);
      assertThat(root.header("Content-Type")).startsWith("application/json");
      assertThat(RawHttp.request(server.uri(), "GET", "/console/console.js", Map.of(), null).status())
          .isEqualTo(404);
    }
  }
}
