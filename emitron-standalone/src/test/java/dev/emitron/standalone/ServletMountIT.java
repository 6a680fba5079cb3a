package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emitron.core.Emitron;
import dev.emitron.servlet.EmitronServlet;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The README's servlet example: emitron mounted at {@code /events/*} of a plain Jetty 12 host application.
 */
class ServletMountIT {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private Server jetty;
  private Emitron emitron;
  private URI base;

  @BeforeEach
  void startHostApplication() throws Exception {
    jetty = new Server();
    ServerConnector connector = new ServerConnector(jetty);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    jetty.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler("/");
    jetty.setHandler(context);

    // --- from README.md, "As a servlet" ---
    Emitron emitron = Emitron.create();
    EmitronServlet servlet = EmitronServlet.builder(emitron)
        .retry(Duration.ofSeconds(5))
        .corsOrigins(List.of("https://app.example"))
        .build();
    ServletHolder holder = new ServletHolder(servlet);            // Jetty 12 (ee10); any container works
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/events/*");                      // GET /events/sub/news, POST /events/pub/news
    // ---

    this.emitron = emitron;
    jetty.start();
    base = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/events/");
  }

  @AfterEach
  void stop() throws Exception {
    jetty.stop();
    emitron.close();
  }

  @Test
  void servletMountedBelowAPathServesPublishAndSubscribeThere() throws Exception {
    String id = Publishing.publish(base, "news", "{\"title\":\"hello\"}");

    HttpRequest request = HttpRequest.newBuilder(base.resolve("sub/news?replay=1"))
        .header("Origin", "https://app.example")
        .build();
    HttpResponse<InputStream> response = HTTP.send(request, HttpResponse.BodyHandlers.ofInputStream());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("Access-Control-Allow-Origin")).hasValue("https://app.example");
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
      assertThat(reader.readLine()).isEqualTo("retry: 5000");
      assertThat(reader.readLine()).isEmpty();
      assertThat(reader.readLine()).isEqualTo("id: " + id);
      assertThat(reader.readLine()).isEqualTo("data: {\"title\":\"hello\"}");
    }
  }

  /** The README's note: a container in its default configuration refuses {@code %2F}; {@code /} works. */
  @Test
  void defaultJettyRefusesAnEncodedSlashWhileAPlainSlashReachesTheSameTopic() throws Exception {
    HttpRequest encoded = HttpRequest.newBuilder(URI.create(base + "pub/news%2Fsports"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"data\":1}"))
        .build();
    assertThat(HTTP.send(encoded, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(400);

    Publishing.publish(base, "news/sports", "1"); // answered 200
  }
}
