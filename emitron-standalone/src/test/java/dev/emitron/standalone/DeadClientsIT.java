package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.Topic;
import dev.emitron.core.testing.SseClient;
import dev.emitron.redis.RedisServerExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Case F07: subscribers that vanish, some before their response headers were flushed, are noticed and
 * every resource they held is released, on both transports.
 */
class DeadClientsIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  static final int DROPPED = 2_000;
  static final int MESSAGES = 300;
  static final String PAYLOAD = "x".repeat(1000);
  static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void vanishedSubscribersAreReleasedOnTheInMemoryTransport() throws Exception {
    try (EmitronServer server = start(Map.of())) {
      dropSubscribersThenPublish(server, topic -> { });
    }
  }

  @Test
  void vanishedSubscribersAreReleasedOnTheRedisTransportAndTheTopicIsUnsubscribed() throws Exception {
    try (EmitronServer server = start(Map.of("REDIS_URL", redis.uri()))) {
      String topic = dropSubscribersThenPublish(server,
          live -> assertThat(redis.commands().pubsubChannels("*")).anyMatch(name -> name.contains(live)));
      // The last local subscriber has gone: the instance releases the topic's Redis subscription.
      await().atMost(Duration.ofSeconds(10))
          .until(() -> redis.commands().pubsubChannels("*").stream().noneMatch(name -> name.contains(topic)));
    }
  }

  private static EmitronServer start(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "HEARTBEAT_MS", "1000"));
    env.putAll(extra);
    return EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
  }

  private static long openFiles() throws IOException {
    try (Stream<Path> files = Files.list(Path.of("/proc/self/fd"))) {
      return files.count();
    }
  }

  /**
   * Drops {@value #DROPPED} subscribers, publishes {@value #MESSAGES} messages of 1 KB that a live
   * subscriber must all receive, checks {@code whileLive} with the topic, then closes the live one and
   * checks that every stream, subscription and file descriptor was released.
   */
  private static String dropSubscribersThenPublish(EmitronServer server, Consumer<String> whileLive)
      throws Exception {
    String topic = "dead-" + System.nanoTime();
    URI base = server.uri();
    long filesBefore = openFiles();

    SseClient live = SseClient.connect(base, "/sub/" + topic);
    live.awaitLastEventId(Duration.ofSeconds(10));

    byte[] request = ("GET /sub/" + topic + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    List<Socket> waiting = new ArrayList<>();
    for (int i = 0; i < DROPPED; i++) {
      Socket socket = new Socket();
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
      socket.getOutputStream().write(request);
      if (i % 2 == 0) {
        socket.close(); // gone before the server could answer
      } else {
        waiting.add(socket);
      }
    }
    for (Socket socket : waiting) {
      socket.setSoTimeout(10_000);
      InputStream in = socket.getInputStream();
      assertThat(in.read()).isEqualTo('H'); // the response has started
      socket.close();
    }

    HttpClient http = HttpClient.newHttpClient();
    for (int seq = 1; seq <= MESSAGES; seq++) {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("pub/" + topic))
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"data\":{\"seq\":" + seq + ",\"p\":\"" + PAYLOAD + "\"}}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
    }
    for (int seq = 1; seq <= MESSAGES; seq++) {
      assertThat(JSON.readTree(live.takeEvent().data()).get("seq").asInt()).isEqualTo(seq);
    }

    await().atMost(Duration.ofSeconds(30)).until(() -> server.openStreams() == 1
        && server.emitron().localSubscribers(Topic.of(topic)) == 1);
    whileLive.accept(topic);
    live.close();
    await().atMost(Duration.ofSeconds(30)).until(() -> server.openStreams() == 0
        && server.emitron().localSubscribers(Topic.of(topic)) == 0);
    // Every socket of the vanished clients is closed on both ends: the process holds what it held before.
    await().atMost(Duration.ofSeconds(30)).until(() -> openFiles() <= filesBefore + 20);
    return topic;
  }
}
