package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.testing.SseClient;
import dev.emitron.redis.RedisServerExtension;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code GET /metrics} scraped as Prometheus would, while messages flow and Redis goes away and back. */
class MetricsIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private EmitronServer server;

  @BeforeEach
  void start() {
    server = EmitronServer.create(ServerConfig.fromEnvironment(Map.of("HOST", "127.0.0.1", "PORT", "0",
        "REDIS_URL", redis.uri(), "HEARTBEAT_MS", "1000"))).start();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void theCountersMoveAsMessagesFlow() throws Exception {
    HttpResponse<String> first = scrape();
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Content-Type")).hasValueSatisfying(type ->
        assertThat(type).startsWith("text/plain").contains("version=0.0.4"));
    String before = first.body();
    assertThat(before).contains("# TYPE emitron_messages_published_total counter",
        "# TYPE emitron_publish_seconds histogram", "jvm_memory_used_bytes");

    String topic = "metrics/flow";
    Publishing.publish(server.uri(), topic, "{\"n\":1}");
    Publishing.publish(server.uri(), topic, "{\"n\":2}");
    try (SseClient client = SseClient.connect(server.uri(), "/sub/" + topic + "?replay=10");
        SseClient gap = SseClient.connect(server.uri(), "/sub/" + topic, Map.of("Last-Event-ID", "not-an-id"))) {
      client.takeEvents(2);
      for (int n = 3; n <= 5; n++) {
        Publishing.publish(server.uri(), topic, "{\"n\":" + n + "}");
      }
      client.takeEvents(3);
      assertThat(gap.takeEvent().type()).isEqualTo("emitron.gap");

      String after = scrape().body();
      assertThat(delta(before, after, "emitron_messages_published_total")).isEqualTo(5);
      assertThat(delta(before, after, "emitron_publish_seconds_count{outcome=\"ok\"}")).isEqualTo(5);
      assertThat(delta(before, after, "emitron_events_replayed_total")).isEqualTo(2 + 2);
      // 5 to the first subscriber; the resumed one got the 2 stored messages and 3 live ones.
      await().atMost(Duration.ofSeconds(5)).until(() ->
          delta(before, scrape().body(), "emitron_events_delivered_total") == 10);
      assertThat(delta(before, after, "emitron_gap_signals_total")).isEqualTo(1);
      assertThat(value(after, "emitron_streams_open")).isEqualTo(2);
      assertThat(value(after, "emitron_topic_subscribers{topic=\"metrics/flow\"}")).isEqualTo(2);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> value(scrape().body(), "emitron_streams_open") == 0);
    String closed = scrape().body();
    assertThat(closed).doesNotContain("topic=\"metrics/flow\"");
    assertThat(delta(before, closed, "emitron_streams_closed_total{reason=\"closed\"}")).isEqualTo(2);
  }

  @Test
  void aRedisOutageCountsFailedPublishesAndOneReconnect() throws Exception {
    String topic = "metrics/outage";
    try (SseClient client = SseClient.connect(server.uri(), "/sub/" + topic)) {
      client.awaitLastEventId(Duration.ofSeconds(10));
      String before = scrape().body();
      redis.stop();
      HttpResponse<String> refused = HTTP.send(HttpRequest.newBuilder(server.uri().resolve("pub/" + topic))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"data\":1}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(refused.statusCode()).isEqualTo(503);
      redis.start();
      await().atMost(Duration.ofSeconds(20)).until(() ->
          delta(before, scrape().body(), "emitron_transport_reconnects_total") == 1);
      String after = scrape().body();
      assertThat(delta(before, after, "emitron_publish_seconds_count{outcome=\"error\"}")).isEqualTo(1);
      assertThat(delta(before, after, "emitron_messages_published_total")).isZero();
    }
  }

  private HttpResponse<String> scrape() throws Exception {
    return HTTP.send(HttpRequest.newBuilder(server.uri().resolve("metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static double delta(String before, String after, String series) {
    return value(after, series) - value(before, series);
  }

  /** The value of one series (name and labels exactly as written) in the Prometheus text; 0 if absent. */
  static double value(String text, String series) {
    Matcher matcher = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(text);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : 0;
  }

}
