package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.Emitron;
import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Published;
import dev.emitron.core.Replay;
import dev.emitron.core.StreamStart;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Subscription;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.StreamMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Behaviour of the Redis transport that the contract kit does not cover: several instances sharing one
 * Redis. Run against standalone Redis ({@link RedisTransportIT}) and a Redis Cluster
 * ({@link RedisClusterTransportIT}) by extending this class and supplying {@link #redis()}.
 */
abstract class RedisMultiInstanceKit {

  /** The Redis under test; registered as an extension by the subclass. */
  protected abstract TestedRedis redis();

  private static final AtomicInteger topics = new AtomicInteger();

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeInstances() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Emitron instance(int replayMax) {
    return instance(replayMax, RedisOptions.DEFAULT_CHANNEL_PREFIX);
  }

  private Emitron instance(int replayMax, String prefix) {
    Emitron emitron = Emitron.builder()
        .replayMax(replayMax)
        .heartbeat(Duration.ZERO)
        .transport(RedisTransport.factory(RedisOptions.builder().uri(redis().uri()).channelPrefix(prefix).build()))
        .build();
    closeables.add(emitron);
    return emitron;
  }

  private Recorder subscribe(Emitron emitron, String topic, SubscribeOptions options) {
    return Recorder.subscribe(emitron, topic, options, closeables);
  }

  /** Subscribes and waits for the stream start, so the live feed is active. */
  private Recorder subscribeStarted(Emitron emitron, String topic) {
    Recorder recorder = subscribe(emitron, topic, SubscribeOptions.live());
    recorder.takeStart();
    return recorder;
  }

  private static Published publish(Emitron emitron, String topic, Object data) {
    return emitron.publish(topic, data).toCompletableFuture().join();
  }

  private static String newTopic(String name) {
    return name + "-" + topics.incrementAndGet();
  }

  private static List<String> data(List<Message> messages) {
    return messages.stream().map(Message::data).toList();
  }

  @Test
  void bufferHoldsEachMessageOnceAndNeverMoreThanReplayMax() {
    int replayMax = 7;
    Emitron a = instance(replayMax);
    Emitron b = instance(replayMax);
    Emitron c = instance(replayMax);
    String topic = newTopic("bound");
    String key = "emitron:{" + topic + "}:buf";
    List<Recorder> subscribers = List.of(subscribeStarted(a, topic), subscribeStarted(b, topic),
        subscribeStarted(c, topic));

    List<MessageId> ids = new ArrayList<>();
    for (int i = 1; i <= 20; i++) {
      ids.add(publish(i % 2 == 1 ? a : b, topic, i).id());
      assertThat(redis().xlen(key)).isEqualTo(Math.min(i, replayMax));
    }

    List<StreamMessage<String, String>> stored = redis().xrange(key);
    assertThat(stored).extracting(StreamMessage::getId)
        .containsExactlyElementsOf(ids.subList(20 - replayMax, 20).stream().map(MessageId::toString).toList());
    assertThat(stored).extracting(m -> m.getBody().get("d"))
        .containsExactly("14", "15", "16", "17", "18", "19", "20");
    for (Recorder subscriber : subscribers) {
      List<Message> received = subscriber.takeMessages(20);
      assertThat(received).extracting(Message::id).containsExactlyElementsOf(ids);
      subscriber.assertExhausted();
    }

    Recorder five = subscribe(c, topic, SubscribeOptions.replay(5));
    assertThat(five.takeStart().replayed()).isEqualTo(5);
    assertThat(data(five.takeMessages(5))).containsExactly("16", "17", "18", "19", "20");
    Recorder all = subscribe(a, topic, SubscribeOptions.replay(100_000));
    all.takeStart();
    assertThat(data(all.takeMessages(replayMax))).containsExactly("14", "15", "16", "17", "18", "19", "20");
    Recorder none = subscribe(b, topic, SubscribeOptions.replay(0));
    assertThat(none.takeStart().replayed()).isZero();
    assertThat(none.poll(Duration.ofMillis(200))).isNull();
  }

  @Test
  void messagePublishedWhileNoInstanceSubscribesIsStoredAndReplayedLater() {
    Emitron a = instance(10);
    Emitron b = instance(10);
    String topic = newTopic("stored");
    MessageId first = publish(a, topic, Map.of("n", 1)).id();
    Published second = publish(a, topic, Map.of("n", 2));
    assertThat(second.transportReceivers()).isZero();

    Recorder replayed = subscribe(b, topic, SubscribeOptions.replay(10));
    StreamStart start = replayed.takeStart();
    assertThat(start.position()).isEqualTo(second.id());
    assertThat(start.oldest()).isEqualTo(first);
    assertThat(data(replayed.takeMessages(2))).containsExactly("{\"n\":1}", "{\"n\":2}");

    Recorder resumed = subscribe(b, topic, SubscribeOptions.resumeAfter(first.toString()));
    assertThat(resumed.takeStart().recovered()).isTrue();
    assertThat(resumed.takeMessage().id()).isEqualTo(second.id());
    replayed.assertExhausted();
    resumed.assertExhausted();
  }

  @Test
  void messagePublishedOnOneInstanceReachesSubscribersOnOthersExactlyOnce() {
    Emitron a = instance(100);
    Emitron b = instance(100);
    Emitron c = instance(100);
    String topic = newTopic("fanin");
    List<Recorder> onB = List.of(subscribeStarted(b, topic), subscribeStarted(b, topic));
    Recorder onC = subscribeStarted(c, topic);

    List<MessageId> ids = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      Published published = publish(a, topic, i);
      assertThat(published.transportReceivers()).as("instances subscribed: B and C").isEqualTo(2);
      assertThat(published.localSubscribers()).isZero();
      ids.add(published.id());
    }
    for (Recorder recorder : List.of(onB.get(0), onB.get(1), onC)) {
      List<Message> received = recorder.takeMessages(50);
      assertThat(received).extracting(Message::id).containsExactlyElementsOf(ids);
      for (int i = 0; i < 50; i++) {
        assertThat(received.get(i).data()).isEqualTo(Integer.toString(i + 1));
        assertThat(received.get(i).topic()).isEqualTo(Topic.of(topic));
      }
      assertThat(recorder.poll(Duration.ofMillis(100))).isNull();
    }
    assertThat(redis().subscribers("emitron:{" + topic + "}:live")).isEqualTo(2L);
  }

  @Test
  void eventNamesAndLookAlikeDataCrossInstancesUnchanged() throws Exception {
    Emitron a = instance(10);
    Emitron b = instance(10);
    String topic = newTopic("tricky");
    Recorder live = subscribeStarted(b, topic);
    List<String> values = List.of("x\revent: evil\rid: 999\r", "x\r\ndata: fake\r\n\r\nid: 1", "\n", "",
        "\u2028 \u2029 \u0085", "%7D}{\"", "1-0\n\n");
    for (String value : values) {
      a.publish(Topic.of(topic), "price.update", com.fasterxml.jackson.databind.node.TextNode.valueOf(value))
          .toCompletableFuture().join();
    }
    List<Message> received = live.takeMessages(values.size());
    Recorder replayed = subscribe(b, topic, SubscribeOptions.replay(10));
    replayed.takeStart();
    List<Message> stored = replayed.takeMessages(values.size());
    assertThat(stored).isEqualTo(received);
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    for (int i = 0; i < values.size(); i++) {
      Message message = received.get(i);
      assertThat(message.event()).isEqualTo("price.update");
      assertThat(message.data()).doesNotContain("\n", "\r");
      assertThat(json.readTree(message.data()).textValue()).isEqualTo(values.get(i));
    }
  }

  @Test
  void idsKeepIncreasingAcrossAClearAndAfterFlushAll() {
    Emitron a = instance(10);
    String topic = newTopic("ids");
    String key = "emitron:{" + topic + "}:buf";
    MessageId before = null;
    for (int i = 0; i < 3; i++) {
      before = publish(a, topic, i).id();
    }
    assertThat(a.clearBuffer(topic).toCompletableFuture().join()).isTrue();
    assertThat(a.clearBuffer(topic).toCompletableFuture().join()).isFalse();
    assertThat(redis().exists(key)).as("the key survives a clear").isEqualTo(1L);
    assertThat(redis().xlen(key)).isZero();

    MessageId afterClear = publish(a, topic, "after clear").id();
    assertThat(afterClear).isGreaterThan(before);
    Recorder resumed = subscribe(a, topic, SubscribeOptions.resumeAfter(before.toString()));
    assertThat(resumed.takeStart().recovered()).as("nothing after the cleared head was lost").isTrue();
    assertThat(resumed.takeMessage().id()).isEqualTo(afterClear);

    redis().flushAll();
    MessageId afterFlush = publish(a, topic, "after flush").id();
    assertThat(afterFlush).isGreaterThan(afterClear);

    // The stream lost while Redis's clock is behind the ids already issued: they go on after them.
    redis().xadd(key, "99999999999999-5", Map.of("d", "0"));
    MessageId future = publish(a, topic, "future").id();
    assertThat(future).isEqualTo(new MessageId(99999999999999L, 6));
    redis().flushAll();
    assertThat(publish(a, topic, "after data loss").id()).isEqualTo(new MessageId(99999999999999L, 7));
  }

  @Test
  void replayMaxZeroStillAssignsIdsAndPublishes() {
    Emitron a = instance(0);
    Emitron b = instance(0);
    String topic = newTopic("zero");
    Recorder live = subscribeStarted(b, topic);
    MessageId first = publish(a, topic, 1).id();
    MessageId second = publish(a, topic, 2).id();
    assertThat(second).isGreaterThan(first);
    assertThat(live.takeMessages(2)).extracting(Message::id).containsExactly(first, second);
    assertThat(redis().xlen("emitron:{" + topic + "}:buf")).isZero();

    Recorder resumed = subscribe(b, topic, SubscribeOptions.resumeAfter(second.toString()));
    StreamStart start = resumed.takeStart();
    assertThat(start.recovered()).isTrue();
    assertThat(start.position()).isEqualTo(second);
    assertThat(start.oldest()).isNull();
    Recorder behind = subscribe(b, topic, SubscribeOptions.resumeAfter(first.toString()));
    assertThat(behind.takeStart().gap()).isTrue();
  }

  @Test
  void topicNamesWithPatternAndBraceCharactersAreLiteral() {
    Emitron a = instance(10);
    Emitron b = instance(10);
    String suffix = "-" + topics.incrementAndGet();
    List<String> names = List.of("a" + suffix, "a*" + suffix, "a?b" + suffix, "{x}" + suffix, "a}b" + suffix,
        "news/sports" + suffix, "a%7Db" + suffix, "[ab]" + suffix, "a:b" + suffix);
    List<Recorder> recorders = new ArrayList<>();
    for (String name : names) {
      recorders.add(subscribeStarted(b, name));
    }
    for (String name : names) {
      publish(a, name, name);
    }
    for (int i = 0; i < names.size(); i++) {
      Message message = recorders.get(i).takeMessage();
      assertThat(message.topic().name()).isEqualTo(names.get(i));
      assertThat(message.data()).isEqualTo("\"" + names.get(i).replace("\"", "\\\"") + "\"");
      assertThat(recorders.get(i).poll(Duration.ofMillis(50))).as(names.get(i)).isNull();
    }
    assertThat(redis().channels()).contains(
        "emitron:{a%7Db" + suffix + "}:live", "emitron:{a%257Db" + suffix + "}:live", "emitron:{a*" + suffix + "}:live");
    assertThat(redis().patterns()).as("pattern subscriptions").isZero();
    for (int i = 0; i < names.size(); i++) {
      Recorder replay = subscribe(a, names.get(i), SubscribeOptions.replay(10));
      assertThat(replay.takeStart().replayed()).as(names.get(i)).isEqualTo(1);
      assertThat(replay.takeMessage().topic().name()).isEqualTo(names.get(i));
    }
  }

  @Test
  void twoChannelPrefixesOnOneRedisDoNotSeeEachOther() {
    Emitron blue = instance(10, "blue");
    Emitron green = instance(10, "green");
    String topic = newTopic("shared-name");
    Recorder onBlue = subscribeStarted(blue, topic);
    Recorder onGreen = subscribeStarted(green, topic);
    Published toBlue = publish(blue, topic, "blue");
    assertThat(toBlue.transportReceivers()).isEqualTo(1);
    publish(green, topic, "green");
    assertThat(onBlue.takeMessage().data()).isEqualTo("\"blue\"");
    assertThat(onGreen.takeMessage().data()).isEqualTo("\"green\"");
    assertThat(onBlue.poll(Duration.ofMillis(100))).isNull();
    onGreen.assertExhausted();
    assertThat(redis().xlen("blue:{" + topic + "}:buf")).isEqualTo(1);
    assertThat(redis().xlen("green:{" + topic + "}:buf")).isEqualTo(1);
  }

  @Test
  void quickSubscribeAndUnsubscribeEndInTheLastRequestedState() throws Exception {
    BlockingQueue<Message> live = new LinkedBlockingQueue<>();
    Transport transport = RedisTransport.factory(redis().uri()).create(new Transport.Settings(10),
        new Transport.Listener() {
          @Override
          public void onMessage(Message message) {
            live.add(message);
          }

          @Override
          public void onRestored(Topic topic) {
          }
        });
    closeables.add(transport);
    Topic topic = Topic.of(newTopic("flip"));
    String channel = "emitron:{" + topic + "}:live";
    List<CompletableFuture<Void>> stages = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      stages.add(transport.subscribe(topic).toCompletableFuture());
      stages.add(transport.subscribe(topic).toCompletableFuture());
      transport.unsubscribe(topic);
    }
    CompletableFuture<Void> last = transport.subscribe(topic).toCompletableFuture();
    last.get(10, TimeUnit.SECONDS);
    CompletableFuture.allOf(stages.toArray(CompletableFuture[]::new)).get(10, TimeUnit.SECONDS);
    assertThat(redis().subscribers(channel)).isEqualTo(1L);
    MessageId id = transport.publish(topic, null, "1").toCompletableFuture().join().id();
    assertThat(live.poll(10, TimeUnit.SECONDS)).extracting(Message::id).isEqualTo(id);

    transport.unsubscribe(topic);
    transport.subscribe(topic);
    transport.unsubscribe(topic);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> redis().subscribers(channel) == 0L);
    assertThat(transport.publish(topic, null, "2").toCompletableFuture().join().receivers()).isZero();
    assertThat(live.poll(100, TimeUnit.MILLISECONDS)).isNull();
  }

  @Test
  void theRedisSubscriptionIsReleasedWhenTheLastLocalSubscriberLeaves() {
    Emitron a = instance(10);
    String topic = newTopic("release");
    String channel = "emitron:{" + topic + "}:live";
    List<Subscription> subscriptions = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Recorder recorder = new Recorder();
      subscriptions.add(a.subscribe(topic, SubscribeOptions.live(), recorder));
      recorder.takeStart();
    }
    assertThat(redis().subscribers(channel)).isEqualTo(1L);
    subscriptions.get(0).close();
    subscriptions.get(1).close();
    assertThat(redis().subscribers(channel)).isEqualTo(1L);
    subscriptions.get(2).close();
    await().atMost(Duration.ofSeconds(10)).until(() -> redis().subscribers(channel) == 0L);
  }

  /**
   * F03: one publisher on B sends 1..N as fast as acknowledgements come back while subscribers join on A
   * at random moments, half replaying, half resuming after an id already published. Each must see a
   * run of consecutive integers ending at N: no gap, no duplicate where replay meets live.
   */
  @Test
  void joiningOnAnotherInstanceDuringPublishingHasNoGapAndNoDuplicate() throws Exception {
    int total = 1000;
    int replayMax = 300;
    Emitron a = instance(replayMax);
    Emitron b = instance(replayMax);
    String topic = newTopic("seam");
    List<MessageId> published = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService publisher = Executors.newSingleThreadExecutor();
    List<Recorder> recorders = new ArrayList<>();
    List<Integer> firstExpected = new ArrayList<>();
    try {
      Future<?> publishing = publisher.submit(() -> {
        for (int i = 1; i <= total; i++) {
          published.add(publish(b, topic, i).id());
        }
        return null;
      });
      Random random = new Random(7);
      for (int i = 0; i < 20; i++) {
        int target = Math.min(total - 1, (i + 1) * total / 25 + random.nextInt(20));
        await().atMost(Duration.ofSeconds(30)).until(() -> published.size() >= target);
        if (i % 2 == 0) {
          recorders.add(subscribe(a, topic, SubscribeOptions.replay(replayMax)));
          firstExpected.add(null);
        } else {
          int index = published.size() - 1 - random.nextInt(Math.min(100, published.size()));
          recorders.add(subscribe(a, topic, SubscribeOptions.resumeAfter(published.get(index).toString())));
          firstExpected.add(index + 2);
        }
      }
      publishing.get(60, TimeUnit.SECONDS);
    } finally {
      publisher.shutdownNow();
    }
    for (int i = 0; i < recorders.size(); i++) {
      Recorder recorder = recorders.get(i);
      StreamStart start = recorder.takeStart();
      assertThat(start.gap()).as("subscriber %d", i).isFalse();
      List<Integer> values = new ArrayList<>();
      while (values.isEmpty() || values.get(values.size() - 1) != total) {
        values.add(Integer.parseInt(recorder.takeMessage().data()));
      }
      int first = values.get(0);
      if (firstExpected.get(i) != null) {
        assertThat(first).as("subscriber %d starts right after its resume id", i).isEqualTo(firstExpected.get(i));
      }
      for (int k = 0; k < values.size(); k++) {
        assertThat(values.get(k)).as("subscriber %d, message %d", i, k).isEqualTo(first + k);
      }
      recorder.assertExhausted();
    }
  }

  @Test
  void closedTransportRefusesWorkAndClosesTwiceQuietly() {
    Transport transport = RedisTransport.factory(redis().uri()).create(new Transport.Settings(10),
        new Transport.Listener() {
          @Override
          public void onMessage(Message message) {
          }

          @Override
          public void onRestored(Topic topic) {
          }
        });
    Topic topic = Topic.of(newTopic("closed"));
    assertThat(transport.ping().toCompletableFuture().join()).isTrue();
    transport.close();
    transport.close();
    assertThat(transport.ping().toCompletableFuture().join()).isFalse();
    assertThat(transport.publish(topic, null, "1").toCompletableFuture())
        .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(dev.emitron.core.EmitronException.Closed.class);
    assertThat(transport.subscribe(topic).toCompletableFuture())
        .failsWithin(Duration.ofSeconds(1)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(dev.emitron.core.EmitronException.Closed.class);
    transport.unsubscribe(topic);
  }

  @Test
  void readsAreSnapshotsOfTheStream() {
    Transport transport = RedisTransport.factory(redis().uri()).create(new Transport.Settings(3),
        new Transport.Listener() {
          @Override
          public void onMessage(Message message) {
          }

          @Override
          public void onRestored(Topic topic) {
          }
        });
    closeables.add(transport);
    Topic topic = Topic.of(newTopic("reads"));
    Replay empty = transport.readAfter(topic, MessageId.ZERO).toCompletableFuture().join();
    assertThat(empty.complete()).isTrue();
    assertThat(empty.head()).isEqualTo(MessageId.ZERO);
    assertThat(transport.readAfter(topic, new MessageId(5, 0)).toCompletableFuture().join().complete()).isFalse();

    List<MessageId> ids = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      ids.add(transport.publish(topic, i % 2 == 0 ? "even" : null, Integer.toString(i))
          .toCompletableFuture().join().id());
    }
    Replay last = transport.readLast(topic, 2).toCompletableFuture().join();
    assertThat(last.messages()).extracting(Message::data).containsExactly("4", "5");
    assertThat(last.messages()).extracting(Message::event).containsExactly("even", null);
    assertThat(last.head()).isEqualTo(ids.get(4));
    assertThat(last.oldest()).isEqualTo(ids.get(2));
    assertThat(transport.readLast(topic, 0).toCompletableFuture().join().messages()).isEmpty();

    Replay atBoundary = transport.readAfter(topic, ids.get(1)).toCompletableFuture().join();
    assertThat(atBoundary.complete()).as("the newest trimmed id").isTrue();
    assertThat(atBoundary.messages()).extracting(Message::id).containsExactlyElementsOf(ids.subList(2, 5));
    Replay behind = transport.readAfter(topic, ids.get(0)).toCompletableFuture().join();
    assertThat(behind.complete()).isFalse();
    assertThat(behind.messages()).extracting(Message::id).containsExactlyElementsOf(ids.subList(2, 5));
    Replay held = transport.readAfter(topic, ids.get(3)).toCompletableFuture().join();
    assertThat(held.complete()).isTrue();
    assertThat(held.messages()).extracting(Message::id).containsExactly(ids.get(4));
    Replay head = transport.readAfter(topic, ids.get(4)).toCompletableFuture().join();
    assertThat(head.complete()).isTrue();
    assertThat(head.messages()).isEmpty();
    MessageId unknown = new MessageId(ids.get(3).millis(), ids.get(3).sequence() + 100);
    assertThat(transport.readAfter(topic, unknown).toCompletableFuture().join().complete()).isFalse();
  }

  @Test
  void scriptsAreLoadedAgainAfterTheScriptCacheIsFlushed() {
    Emitron a = instance(10);
    String topic = newTopic("noscript");
    publish(a, topic, 1);
    redis().scriptFlush();
    publish(a, topic, 2);
    Recorder replay = subscribe(a, topic, SubscribeOptions.replay(10));
    replay.takeStart();
    assertThat(data(replay.takeMessages(2))).containsExactly("1", "2");
  }
}
