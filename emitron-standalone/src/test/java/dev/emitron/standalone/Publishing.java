package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Publishes over HTTP, as a publisher would, and returns the id the server assigned. */
final class Publishing {

  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private Publishing() {
  }

  /** POSTs {@code {"data": <dataJson>}} to {@code pub/<topic>} and returns the message id. */
  static String publish(URI base, String topic, String dataJson) {
    HttpRequest request = HttpRequest.newBuilder(base.resolve("pub/" + encode(topic)))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"data\":" + dataJson + "}"))
        .build();
    try {
      HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("publish answer %s", response.body()).isEqualTo(200);
      JsonNode body = JSON.readTree(response.body());
      return body.get("id").asText();
    } catch (IOException e) {
      throw new AssertionError("publish failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** GETs {@code uri} and returns the body of its 200 answer. */
  static String get(URI uri) {
    try {
      HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as("GET %s: %s", uri, response.body()).isEqualTo(200);
      return response.body();
    } catch (IOException e) {
      throw new AssertionError("GET failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Percent-encodes each segment of a topic, keeping its slashes. */
  static String encode(String topic) {
    List<String> segments = new ArrayList<>();
    for (String segment : topic.split("/", -1)) {
      segments.add(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return String.join("/", segments);
  }
}
