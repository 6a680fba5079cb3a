package dev.emitron.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.Emitron;
import dev.emitron.redis.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** With {@code REDIS_URL} set, the application runs on the Redis transport, against a real Redis. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SpringBootExampleRedisIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  @LocalServerPort
  int port;

  @Autowired
  Emitron emitron;

  @BeforeAll
  static void needsRedis() {
    // Without redis-server the extension has reported the skip (or failed, when Redis is required);
    // stop here before Spring would try to start the application against no Redis.
    Assumptions.assumeTrue(redis.isRunning(), "no redis-server on the PATH");
  }

  @DynamicPropertySource
  static void redisUrl(DynamicPropertyRegistry registry) {
    registry.add("emitron.redis-url", redis::uri);
    registry.add("emitron.channel-prefix", () -> "spring-boot-example");
  }

  @Test
  void anOrderIsStoredInRedisAndHealthReportsRedisUp() throws Exception {
    HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri("/events/health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    JsonNode state = JSON.readTree(health.body());
    assertThat(state.get("transport").asText()).isEqualTo("redis");
    assertThat(state.get("redis").asText()).isEqualTo("up");
    assertThat(emitron.transportName()).isEqualTo("redis");

    HttpResponse<String> placed = HTTP.send(HttpRequest.newBuilder(uri("/orders"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"item\":\"lamp\",\"quantity\":1}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(placed.statusCode()).isEqualTo(201);
    String eventId = JSON.readTree(placed.body()).get("eventId").asText();

    assertThat(redis.commands().xlen("spring-boot-example:{orders}:buf")).isEqualTo(1);
    assertThat(redis.commands().xrange("spring-boot-example:{orders}:buf", io.lettuce.core.Range.create("-", "+")))
        .singleElement().satisfies(entry -> assertThat(entry.getId()).isEqualTo(eventId));
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }
}
