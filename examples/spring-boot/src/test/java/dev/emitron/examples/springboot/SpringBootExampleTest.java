package dev.emitron.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
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

  @Test
  void aSubscriberReceivesTheOrderPlacedThroughTheApplicationsController() throws Exception {
    HttpResponse<java.io.InputStream> stream = HTTP.send(HttpRequest.newBuilder(uri("/events/sub/orders")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      assertThat(stream.statusCode()).isEqualTo(200);
      // Tomcat writes "text/event-stream;charset=utf-8": the same media type, without the optional space.
      assertThat(stream.headers().firstValue("Content-Type").orElseThrow().replace(" ", ""))
          .isEqualToIgnoringCase("text/event-stream;charset=utf-8");
      assertThat(frame(lines)).containsExactly("retry: 10000");

      HttpResponse<String> placed = HTTP.send(HttpRequest.newBuilder(uri("/orders"))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"book\",\"quantity\":2}")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(placed.statusCode()).isEqualTo(201);
      JsonNode answer = JSON.readTree(placed.body());

      List<String> event = event(lines);
      assertThat(event).containsExactly("id: " + answer.get("eventId").asText(), event.get(1));
      JsonNode data = JSON.readTree(event.get(1).substring("data: ".length()));
      assertThat(data.get("item").asText()).isEqualTo("book");
      assertThat(data.get("quantity").asInt()).isEqualTo(2);
      assertThat(data.get("status").asText()).isEqualTo("placed");
      assertThat(data.get("order").asLong()).isEqualTo(answer.get("order").get("order").asLong());
    }
  }

  @Test
  void anEncodedSlashInATopicReachesTheSameTopicAsAPlainOne() throws Exception {
    HttpResponse<String> published = HTTP.send(HttpRequest.newBuilder(uri("/events/pub/news%2Fsports"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"data\":\"goal\"}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(published.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(published.body()).get("queue").asText()).isEqualTo("news/sports");

    HttpResponse<java.io.InputStream> stream = HTTP.send(
        HttpRequest.newBuilder(uri("/events/sub/news/sports?replay=1")).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
      assertThat(stream.statusCode()).isEqualTo(200);
      assertThat(event(lines)).contains("data: \"goal\"");
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

  /** Reads the next event: a frame with data (a frame with only an id sets the last event id). */
  private static List<String> event(BufferedReader lines) throws Exception {
    List<String> frame;
    do {
      frame = frame(lines);
    } while (frame.stream().noneMatch(line -> line.startsWith("data:")));
    return frame;
  }

  /** Reads one SSE frame: the lines up to a blank line, skipping heartbeat comments. */
  private static List<String> frame(BufferedReader lines) throws Exception {
    List<String> frame = new ArrayList<>();
    String line;
    while ((line = lines.readLine()) != null) {
      if (line.isEmpty()) {
        if (!frame.isEmpty()) {
          return frame;
        }
      } else if (!line.startsWith(":")) {
        frame.add(line);
      }
    }
    throw new AssertionError("the stream ended; got " + frame);
  }
}
