package dev.emitron.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.testing.SseClient;
import dev.emitron.core.testing.SseEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;

/** The application on a real Tomcat: its own controller publishes, emitron's servlet streams. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringBootExampleTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort
  int port;

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Where the servlet is mounted: the SSE client's targets are relative to it. */
  private URI events() {
    return uri(EmitronConfiguration.PREFIX);
  }

  @Test
  void aSubscriberReceivesTheOrderPlacedThroughTheApplicationsController() throws Exception {
    try (SseClient stream = SseClient.connect(events(), "/sub/orders")) {
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.awaitRetry(Duration.ofSeconds(10))).isEqualTo(10_000);

      HttpResponse<String> placed = HTTP.send(HttpRequest.newBuilder(uri("/orders"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"book\",\"quantity\":2}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(placed.statusCode()).isEqualTo(201);
      JsonNode answer = JSON.readTree(placed.body());

      SseEvent event = stream.takeEvent();
      assertThat(event.type()).isEqualTo("message");
      assertThat(event.id()).isEqualTo(answer.get("eventId").asText());
      JsonNode data = JSON.readTree(event.data());
      assertThat(data.get("order").asLong()).isEqualTo(answer.get("order").get("order").asLong());
      assertThat(data.get("item").asText()).isEqualTo("book");
      assertThat(data.get("quantity").asInt()).isEqualTo(2);
      assertThat(data.get("status").asText()).isEqualTo("placed");
      stream.assertExhausted();
    }
  }

  @Test
  void anEncodedSlashInATopicReachesTheSameTopicAsAPlainOne() throws Exception {
    HttpResponse<String> published = HTTP.send(HttpRequest.newBuilder(uri("/events/pub/news%2Fsports"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"data\":\"goal\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(published.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(published.body()).get("queue").asText()).isEqualTo("news/sports");

    try (SseClient stream = SseClient.connect(events(), "/sub/news/sports?replay=1")) {
      assertThat(stream.takeEvent().data()).isEqualTo("\"goal\"");
      stream.assertExhausted();
    }
  }

  @Test
  void aPathThatTomcatRejectsStillGetsAJsonErrorUnderEvents() throws Exception {
    HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri("/events/sub/a%00b")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type").orElseThrow()).startsWith("application/json");
    JsonNode error = JSON.readTree(response.body());
    assertThat(error.get("ok").asBoolean()).isFalse();
    assertThat(error.get("error").asText()).isEqualTo("bad_request");
  }

  @Test
  void healthAndTheApplicationsOwnRoutesLiveSideBySide() throws Exception {
    HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri("/events/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(health.body()).get("transport").asText()).isEqualTo("memory");

    HttpResponse<String> notEmitron = HTTP.send(HttpRequest.newBuilder(uri("/sub/orders")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(notEmitron.statusCode()).isEqualTo(404);
  }
}
