package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.redis.RedisServerExtension;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The console's {@code EventSource} survives a restart of the server it is connected to: it reconnects
 * by itself with {@code Last-Event-ID}, and a message published (on another instance sharing the Redis)
 * while its server was down appears exactly once.
 */
class ConsoleReconnectBrowserIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private Browser browser;
  private EmitronServer console;
  private EmitronServer other;

  @BeforeEach
  void start() {
    browser = Browser.start();
    other = server(0);
    console = server(0);
  }

  @AfterEach
  void stop() {
    if (browser != null) {
      browser.close();
    }
    if (console != null) {
      console.close();
    }
    if (other != null) {
      other.close();
    }
  }

  /** A short retry, so that the browser reconnects soon after the server is back. */
  private EmitronServer server(int port) {
    return EmitronServer.create(ServerConfig.fromEnvironment(Map.of("HOST", "127.0.0.1",
        "PORT", Integer.toString(port), "REDIS_URL", redis.uri(), "RETRY_MS", "300"))).start();
  }

  @Test
  void theConsoleReconnectsAfterARestartWithLastEventIdAndShowsTheMissedMessageExactlyOnce() {
    String topic = "console/restart";
    // replay=10 in the console's URL: only a Last-Event-ID on reconnect keeps 'before' from coming twice.
    browser.open(console.uri() + "?topic=" + topic);
    browser.awaitText("status", "open: " + topic);
    String before = Publishing.publish(console.uri(), topic, "{\"n\":\"before\"}");
    browser.awaitRow(before);

    int port = console.port();
    console.close();
    browser.awaitText("status", "reconnecting");
    String during = Publishing.publish(other.uri(), topic, "{\"n\":\"while down\"}");
    console = server(port);

    browser.awaitText("status", "open: " + topic);
    browser.awaitRow(during);
    String after = Publishing.publish(console.uri(), topic, "{\"n\":\"after\"}");
    browser.awaitRow(after);

    assertThat(browser.rowsWithId(before)).as("'before' rows").isEqualTo(1);
    assertThat(browser.rowsWithId(during)).as("'while down' rows").isEqualTo(1);
    assertThat(browser.rowsWithId(after)).as("'after' rows").isEqualTo(1);
    assertThat(browser.text("events")).doesNotContain("emitron.gap");
    assertThat(browser.text("count")).isEqualTo("3");
    await().atMost(Browser.WAIT).until(() -> console.openStreams() == 1);
  }
}
