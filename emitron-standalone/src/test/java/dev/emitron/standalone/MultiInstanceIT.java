package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.MessageId;
import dev.emitron.core.testing.SseClient;
import dev.emitron.core.testing.SseEvent;
import dev.emitron.redis.RedisServerExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three standalone servers on one real Redis: what one instance publishes, every instance delivers. */
class MultiInstanceIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final List<EmitronServer> servers = new ArrayList<>();
  private final List<SseClient> clients = Collections.synchronizedList(new ArrayList<>());

  @AfterEach
  void stopAll() {
    clients.forEach(SseClient::close);
    servers.forEach(EmitronServer::close);
  }

  private EmitronServer instance(Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(Map.of("PORT", "0", "HOST", "127.0.0.1", "REDIS_URL", redis.uri(),
        "REPLAY_MAX", "100000", "HEARTBEAT_MS", "1000"));
    env.putAll(extra);
    EmitronServer server = EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
    servers.add(server);
    return server;
  }

  private EmitronServer instance() {
    return instance(Map.of());
  }

  private SseClient subscribe(EmitronServer server, String target) {
    SseClient client = SseClient.connect(server.uri(), target);
    clients.add(client);
    return client;
  }

  private SseClient subscribe(EmitronServer server, String target, String lastEventId) {
    SseClient client = SseClient.connect(server.uri(), target, Map.of("Last-Event-ID", lastEventId));
    clients.add(client);
    return client;
  }

  static HttpResponse<String> publish(EmitronServer server, String topic, String body) {
    try {
      return HTTP.send(HttpRequest.newBuilder(server.uri().resolve("pub/" + topic))
          .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
          .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String publishOk(EmitronServer server, String topic, int seq) {
    HttpResponse<String> response = publish(server, topic, "{\"data\":{\"seq\":" + seq + "}}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    try {
      return JSON.readTree(response.body()).get("id").asText();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static int seq(SseEvent event) {
    try {
      return JSON.readTree(event.data()).get("seq").asInt();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static String topic() {
    return "multi/" + System.nanoTime();
  }

  @Test
  void aMessagePublishedOnAnyInstanceReachesEverySubscriberOnEveryInstanceExactlyOnce() {
    List<EmitronServer> three = List.of(instance(), instance(), instance());
    String topic = topic();
    List<SseClient> subscribers = new ArrayList<>();
    for (EmitronServer server : three) {
      for (int i = 0; i < 2; i++) {
        SseClient client = subscribe(server, "/sub/" + topic);
        client.awaitLastEventId(Duration.ofSeconds(10));
        subscribers.add(client);
      }
    }
    for (int seq = 1; seq <= 30; seq++) {
      HttpResponse<String> response = publish(three.get(seq % 3), topic, "{\"data\":{\"seq\":" + seq + "}}");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).contains("\"redisReceivers\":3");
    }
    for (SseClient client : subscribers) {
      for (int seq = 1; seq <= 30; seq++) {
        assertThat(seq(client.takeEvent())).isEqualTo(seq);
      }
      client.assertExhausted();
    }
  }

  @Test
  void theBufferHoldsEachMessageOnceAndNeverMoreThanReplayMax() {
    EmitronServer a = instance(Map.of("REPLAY_MAX", "5"));
    EmitronServer b = instance(Map.of("REPLAY_MAX", "5"));
    String topic = topic();
    subscribe(a, "/sub/" + topic).awaitLastEventId(Duration.ofSeconds(10));
    subscribe(b, "/sub/" + topic).awaitLastEventId(Duration.ofSeconds(10));
    for (int seq = 1; seq <= 20; seq++) {
      publishOk(seq % 2 == 0 ? a : b, topic, seq);
    }
    List<String> keys = redis.commands().keys("emitron:*" + topic + "*");
    assertThat(keys).hasSize(1);
    assertThat(redis.commands().xlen(keys.get(0))).isEqualTo(5);

    SseClient replay = subscribe(b, "/sub/" + topic + "?replay=5");
    for (int seq = 16; seq <= 20; seq++) {
      assertThat(seq(replay.takeEvent())).isEqualTo(seq);
    }
    replay.assertExhausted();
  }

  @Test
  void aMessagePublishedWhileNoInstanceListensIsStoredAndReplayedLater() {
    EmitronServer a = instance();
    EmitronServer b = instance();
    String topic = topic();
    publishOk(a, topic, 1);
    SseClient late = subscribe(b, "/sub/" + topic + "?replay=10");
    assertThat(seq(late.takeEvent())).isEqualTo(1);
    late.assertExhausted();
  }

  @Test
  void aSubscriberResumesOnAnotherInstanceWithExactlyTheMissedMessages() {
    EmitronServer a = instance();
    EmitronServer b = instance();
    String topic = topic();
    SseClient client = subscribe(a, "/sub/" + topic);
    publishOk(a, topic, 1);
    assertThat(seq(client.takeEvent())).isEqualTo(1);
    String lastId = client.lastEventId();
    client.close();

    for (int seq = 2; seq <= 6; seq++) {
      publishOk(a, topic, seq);
    }
    SseClient resumed = subscribe(b, "/sub/" + topic, lastId);
    assertThat(resumed.header("Emitron-Recovered")).isEqualTo("true");
    for (int seq = 2; seq <= 6; seq++) {
      assertThat(seq(resumed.takeEvent())).isEqualTo(seq);
    }
    publishOk(a, topic, 7);
    assertThat(seq(resumed.takeEvent())).isEqualTo(7);
    resumed.assertExhausted();
  }

  /**
   * Case F03 across instances: publishers on A, subscribers joining B and C at random moments with
   * replay or lastEventId; every subscriber's run is gapless and duplicate-free where replay meets live.
   */
  @Test
  void replayAndLiveMeetWithoutGapAcrossInstancesUnderConcurrentPublish() throws Exception {
    EmitronServer a = instance();
    EmitronServer b = instance();
    EmitronServer c = instance();
    String topic = topic();
    int publishers = 4;
    int perPublisher = 2_500;
    int total = publishers * perPublisher;
    ConcurrentSkipListMap<String, Integer> published = new ConcurrentSkipListMap<>(MultiInstanceIT::compareIds);
    AtomicInteger done = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(publishers + 1);
    List<SseClient> joined = Collections.synchronizedList(new ArrayList<>());
    List<String> startedAfter = Collections.synchronizedList(new ArrayList<>());
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> running = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        int publisher = p;
        running.add(pool.submit(() -> {
          go.await();
          for (int seq = 1; seq <= perPublisher; seq++) {
            HttpResponse<String> response = publish(a, topic,
                "{\"data\":{\"p\":" + publisher + ",\"seq\":" + seq + "}}");
            assertThat(response.statusCode()).isEqualTo(200);
            published.put(JSON.readTree(response.body()).get("id").asText(), seq);
          }
          done.incrementAndGet();
          return null;
        }));
      }
      running.add(pool.submit(() -> {
        Random random = new Random(7);
        go.await();
        for (int i = 0; i < 50; i++) {
          EmitronServer target = i % 2 == 0 ? b : c;
          await().atMost(Duration.ofSeconds(60)).until(() -> !published.isEmpty());
          if (i % 2 == 0) {
            startedAfter.add(null);
            joined.add(SseClient.connect(target.uri(), "/sub/" + topic + "?replay=100000"));
          } else {
            List<String> ids = new ArrayList<>(published.keySet());
            String after = ids.get(random.nextInt(ids.size()));
            startedAfter.add(after);
            joined.add(SseClient.connect(target.uri(), "/sub/" + topic + "?lastEventId=" + after));
          }
          int target2 = Math.min(total, published.size() + random.nextInt(400));
          await().atMost(Duration.ofSeconds(60)).until(() -> published.size() >= target2 || done.get() == publishers);
        }
        return null;
      }));
      go.countDown();
      for (Future<?> future : running) {
        future.get(5, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    clients.addAll(joined);
    List<String> all = new ArrayList<>(published.keySet());
    assertThat(all).hasSize(total);
    String last = all.get(all.size() - 1);
    for (int i = 0; i < joined.size(); i++) {
      SseClient client = joined.get(i);
      String after = startedAfter.get(i);
      assertThat(client.status()).isEqualTo(200);
      if (after != null) {
        assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
      }
      List<String> ids = new ArrayList<>();
      while (ids.isEmpty() || !ids.get(ids.size() - 1).equals(last)) {
        ids.add(client.takeEvent(Duration.ofSeconds(30)).id());
      }
      client.assertExhausted();
      int from = after == null ? 0 : all.indexOf(after) + 1;
      assertThat(ids).as("subscriber %d after %s", i, after).isEqualTo(all.subList(from, all.size()));
    }
  }

  static int compareIds(String x, String y) {
    return MessageId.parse(x).orElseThrow().compareTo(MessageId.parse(y).orElseThrow());
  }

  @Test
  void deploymentsWithDifferentChannelPrefixesDoNotSeeEachOther() {
    EmitronServer blue = instance(Map.of("CHANNEL_PREFIX", "blue"));
    EmitronServer green = instance(Map.of("CHANNEL_PREFIX", "green"));
    String topic = topic();
    SseClient blueClient = subscribe(blue, "/sub/" + topic);
    SseClient greenClient = subscribe(green, "/sub/" + topic);
    blueClient.awaitLastEventId(Duration.ofSeconds(10));
    greenClient.awaitLastEventId(Duration.ofSeconds(10));
    publishOk(blue, topic, 1);
    publishOk(green, topic, 2);
    assertThat(seq(blueClient.takeEvent())).isEqualTo(1);
    assertThat(seq(greenClient.takeEvent())).isEqualTo(2);
    blueClient.assertExhausted();
    greenClient.assertExhausted();
  }

  /** Case F05: Redis stops for a while and comes back; the servers recover by themselves. */
  @Test
  void redisGoingAwayAndComingBackIsSurvivedWithoutSilentLoss() throws Exception {
    EmitronServer a = instance();
    EmitronServer b = instance();
    String topic = topic();
    SseClient client = subscribe(a, "/sub/" + topic);
    client.awaitLastEventId(Duration.ofSeconds(10));
    publishOk(b, topic, 1);
    assertThat(seq(client.takeEvent())).isEqualTo(1);

    redis.stop();
    long started = System.nanoTime();
    HttpResponse<String> refused = publish(b, topic, "{\"data\":{\"seq\":99}}");
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(JSON.readTree(refused.body()).get("error").asText()).isEqualTo("unavailable");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(a.uri().resolve("health")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(503);
    assertThat(health.body()).contains("\"redis\":\"down\"");

    redis.start();
    await().atMost(Duration.ofSeconds(20)).until(() -> HTTP.send(HttpRequest.newBuilder(a.uri().resolve("health"))
        .build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    // Redis came back empty, so the messages after the client's position are gone: rather than stay open
    // and silently miss them, the stream is closed, and the resume signals the gap.
    await().atMost(Duration.ofSeconds(30)).until(client::ended);
    await().atMost(Duration.ofSeconds(20)).until(() -> !redis.commands().pubsubChannels("emitron:*").isEmpty()
        || a.emitron().openSubscriptions() == 0);
    for (int seq = 2; seq <= 6; seq++) {
      publishOk(b, topic, seq);
    }
    SseClient resumed = client.reconnect();
    clients.add(resumed);
    assertThat(resumed.header("Emitron-Recovered")).isEqualTo("false");
    assertThat(resumed.takeEvent().type()).isEqualTo("emitron.gap");
    for (int seq = 2; seq <= 6; seq++) {
      assertThat(seq(resumed.takeEvent())).isEqualTo(seq);
    }
    assertThat(redis.commands().pubsubChannels("emitron:*")).isNotEmpty();
    publishOk(b, topic, 7);
    assertThat(seq(resumed.takeEvent())).isEqualTo(7);
    resumed.assertExhausted();
  }
}
