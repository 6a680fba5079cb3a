package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The contract every transport passes: ids, the replay buffer, resume and the gap signal, and the
 * gapless seam between replay and live under concurrent publishing. A transport proves itself by
 * extending this class and supplying {@link #transport()}.
 *
 * <p>Each test uses fresh topic names, so a transport backed by a shared service needs no cleanup
 * between tests.
 */
public abstract class TransportContractKit {

  private final List<Emitron> instances = new ArrayList<>();

  /** The transport under test; called once per instance a test creates. */
  protected abstract Transport.Factory transport();

  /** Creates an instance with the transport under test; closed after the test. */
  protected Emitron emitron(int replayMax) {
    return emitron(replayMax, Duration.ZERO);
  }

  /** Creates an instance with the transport under test and a heartbeat; closed after the test. */
  protected Emitron emitron(int replayMax, Duration heartbeat) {
    Emitron emitron = Emitron.builder().replayMax(replayMax).heartbeat(heartbeat).transport(transport()).build();
    instances.add(emitron);
    return emitron;
  }

  @AfterEach
  void closeInstances() {
    instances.forEach(Emitron::close);
  }

  /** A topic name no other test uses. */
  protected static String freshTopic() {
    return "contract/" + UUID.randomUUID();
  }

  protected static Published publish(Emitron emitron, String topic, int value) {
    return emitron.publish(topic, value).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  protected static List<MessageId> publishAll(Emitron emitron, String topic, int from, int to) {
    List<MessageId> ids = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      ids.add(publish(emitron, topic, i).id());
    }
    return ids;
  }

  private static List<String> data(List<Message> messages) {
    return messages.stream().map(Message::data).toList();
  }

  private static List<String> numbers(int from, int to) {
    List<String> numbers = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      numbers.add(Integer.toString(i));
    }
    return numbers;
  }

  @Test
  void liveMessagesArriveInPublishOrderWithIncreasingIds() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.live(), listener);
    StreamStart start = listener.awaitStart();
    assertThat(start.gap()).isFalse();
    assertThat(start.replayed()).isZero();

    List<MessageId> ids = publishAll(emitron, topic, 1, 50);

    List<Message> received = listener.take(50);
    assertThat(data(received)).isEqualTo(numbers(1, 50));
    assertThat(received).extracting(Message::id).isEqualTo(ids);
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    listener.assertExhausted();
  }

  @Test
  void replayReturnsTheNewestMessagesOldestFirstThenLive() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    publishAll(emitron, topic, 1, 15);

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.replay(10), listener);
    assertThat(listener.awaitStart().replayed()).isEqualTo(10);
    assertThat(data(listener.take(10))).isEqualTo(numbers(6, 15));

    publish(emitron, topic, 16);
    assertThat(listener.take().data()).isEqualTo("16");
    listener.assertExhausted();
  }

  @Test
  void bufferKeepsOnlyReplayMaxMessages() {
    Emitron emitron = emitron(5);
    String topic = freshTopic();
    publishAll(emitron, topic, 1, 20);

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.replay(100_000), listener);
    StreamStart start = listener.awaitStart();
    assertThat(data(listener.take(5))).isEqualTo(numbers(16, 20));
    assertThat(start.replayed()).isEqualTo(5);
    listener.assertExhausted();
  }

  @Test
  void zeroReplayMaxStillAssignsIncreasingIdsAndDeliversLive() {
    Emitron emitron = emitron(0);
    String topic = freshTopic();
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.replay(10), listener);
    listener.awaitStart();
    List<MessageId> ids = publishAll(emitron, topic, 1, 3);
    assertThat(ids).isSorted().doesNotHaveDuplicates();
    assertThat(data(listener.take(3))).isEqualTo(numbers(1, 3));
  }

  @Test
  void resumeAfterAKnownIdDeliversExactlyTheMissedMessages() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    List<MessageId> ids = publishAll(emitron, topic, 1, 10);
    publishAll(emitron, topic, 11, 15);

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(ids.get(9).toString()), listener);
    StreamStart start = listener.awaitStart();
    assertThat(start.resumed()).isTrue();
    assertThat(start.recovered()).isTrue();
    assertThat(start.gap()).isFalse();
    assertThat(data(listener.take(5))).isEqualTo(numbers(11, 15));
    listener.assertExhausted();
  }

  @Test
  void resumeAfterTheNewestIdIsRecoveredAndEmpty() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    List<MessageId> ids = publishAll(emitron, topic, 1, 3);

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(ids.get(2).toString()), listener);
    assertThat(listener.awaitStart().recovered()).isTrue();
    publish(emitron, topic, 4);
    assertThat(listener.take().data()).isEqualTo("4");
    listener.assertExhausted();
  }

  @Test
  void resumeAfterAnIdTheBufferNoLongerHoldsSignalsAGapAndSendsTheWholeBuffer() {
    Emitron emitron = emitron(5);
    String topic = freshTopic();
    MessageId first = publish(emitron, topic, 1).id();
    List<MessageId> rest = publishAll(emitron, topic, 2, 8);

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(first.toString()), listener);
    StreamStart start = listener.awaitStart();
    assertThat(start.gap()).isTrue();
    assertThat(start.requestedId()).isEqualTo(first.toString());
    assertThat(start.oldest()).isEqualTo(rest.get(2));
    assertThat(data(listener.take(5))).isEqualTo(numbers(4, 8));
    listener.assertExhausted();
  }

  @Test
  void resumeAfterTheNewestTrimmedIdIsStillGapless() {
    Emitron emitron = emitron(3);
    String topic = freshTopic();
    List<MessageId> ids = publishAll(emitron, topic, 1, 6);

    // Message 3 was trimmed, but everything after it (4..6) is still held.
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(ids.get(2).toString()), listener);
    assertThat(listener.awaitStart().recovered()).isTrue();
    assertThat(data(listener.take(3))).isEqualTo(numbers(4, 6));
  }

  @ParameterizedTest
  @ValueSource(strings = {"does-not-exist", "-1", "1-1", "99999999999999-0", "12345", "1-2-3", "1 -1"})
  void resumeAfterAnIdNeverIssuedSignalsAGapAndSendsTheWholeBuffer(String lastEventId) {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    List<MessageId> ids = publishAll(emitron, topic, 1, 5);

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(lastEventId), listener);
    StreamStart start = listener.awaitStart();
    assertThat(start.gap()).isTrue();
    assertThat(start.oldest()).isEqualTo(ids.get(0));
    assertThat(data(listener.take(5))).isEqualTo(numbers(1, 5));

    publish(emitron, topic, 6);
    assertThat(listener.take().data()).isEqualTo("6");
    listener.assertExhausted();
  }

  @Test
  void aSubscriberThatReceivedNothingResumesFromItsStartPositionWithoutLoss() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    publishAll(emitron, topic, 1, 2);

    RecordingListener first = new RecordingListener();
    Subscription subscription = emitron.subscribe(topic, SubscribeOptions.live(), first);
    MessageId position = first.awaitStart().position();
    subscription.close();
    assertThat(first.awaitClose()).isEqualTo(CloseReason.CLOSED);

    publishAll(emitron, topic, 3, 5);
    RecordingListener resumed = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(position.toString()), resumed);
    assertThat(resumed.awaitStart().recovered()).isTrue();
    assertThat(data(resumed.take(3))).isEqualTo(numbers(3, 5));
    resumed.assertExhausted();
  }

  @Test
  void aFreshTopicStartsAtZeroAndResumingFromZeroIsGapless() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.live(), listener);
    assertThat(listener.awaitStart().position()).isEqualTo(MessageId.ZERO);

    publishAll(emitron, topic, 1, 2);
    RecordingListener resumed = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(MessageId.ZERO.toString()), resumed);
    assertThat(resumed.awaitStart().recovered()).isTrue();
    assertThat(data(resumed.take(2))).isEqualTo(numbers(1, 2));
  }

  @Test
  void idsKeepIncreasingAfterAClearAndResumeAcrossTheClearIsJudgedRight() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    List<MessageId> before = publishAll(emitron, topic, 1, 3);
    assertThat(emitron.clearBuffer(topic).toCompletableFuture().join()).isTrue();
    assertThat(emitron.clearBuffer(topic).toCompletableFuture().join()).isFalse();
    MessageId after = publish(emitron, topic, 4).id();
    assertThat(after).isGreaterThan(before.get(2));

    RecordingListener upToDate = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(before.get(2).toString()), upToDate);
    assertThat(upToDate.awaitStart().recovered()).isTrue();
    assertThat(upToDate.take().data()).isEqualTo("4");

    RecordingListener behind = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.resumeAfter(before.get(1).toString()), behind);
    assertThat(behind.awaitStart().gap()).isTrue();
    assertThat(behind.take().data()).isEqualTo("4");
  }

  @Test
  void clearingAnUnknownTopicRemovesNothing() {
    Emitron emitron = emitron(100);
    assertThat(emitron.clearBuffer(freshTopic()).toCompletableFuture().join()).isFalse();
  }

  @Test
  void eventNamesAreCarriedAndReservedNamesAreRefused() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    emitron.publish(Topic.of(topic), "price.update", IntNode.valueOf(7)).toCompletableFuture().join();

    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.replay(1), listener);
    Message message = listener.take();
    assertThat(message.event()).isEqualTo("price.update");
    assertThat(message.data()).isEqualTo("7");

    assertThatThrownBy(() -> emitron.publish(Topic.of(topic), "emitron.gap", TextNode.valueOf("x")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> emitron.publish(Topic.of(topic), "bad name", TextNode.valueOf("x")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void dataIsCompactJsonOnOneLine() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.live(), listener);
    listener.awaitStart();
    emitron.publish(topic, Map.of("text", "a\nb\r\nc\u2028d")).toCompletableFuture().join();
    Message message = listener.take();
    assertThat(message.data()).doesNotContain("\n", "\r", "\u2028");
    assertThat(new String(message.frame(), java.nio.charset.StandardCharsets.UTF_8))
        .startsWith("id: " + message.id() + "\n").endsWith("\n\n");
  }

  @Test
  void theLastSubscriberLeavingReleasesTheTopic() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    RecordingListener a = new RecordingListener();
    RecordingListener b = new RecordingListener();
    Subscription first = emitron.subscribe(topic, SubscribeOptions.live(), a);
    Subscription second = emitron.subscribe(topic, SubscribeOptions.live(), b);
    a.awaitStart();
    b.awaitStart();
    assertThat(emitron.localSubscribers(Topic.of(topic))).isEqualTo(2);
    assertThat(publish(emitron, topic, 1).localSubscribers()).isEqualTo(2);

    first.close();
    first.close();
    assertThat(a.awaitClose()).isEqualTo(CloseReason.CLOSED);
    assertThat(emitron.localSubscribers(Topic.of(topic))).isEqualTo(1);
    second.close();
    assertThat(emitron.localSubscribers(Topic.of(topic))).isZero();

    // A new subscriber after the release gets the live feed again.
    RecordingListener c = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.live(), c);
    c.awaitStart();
    publish(emitron, topic, 2);
    assertThat(c.take().data()).isEqualTo("2");
  }

  @Test
  void aFailingSubscriberNeverAffectsTheOthers() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    RecordingListener healthy = new RecordingListener();
    RecordingListener failing = new RecordingListener() {
      @Override
      public void onMessage(Message message) {
        throw new IllegalStateException("subscriber bug");
      }
    };
    emitron.subscribe(topic, SubscribeOptions.live(), failing);
    emitron.subscribe(topic, SubscribeOptions.live(), healthy);
    failing.awaitStart();
    healthy.awaitStart();

    publishAll(emitron, topic, 1, 3);
    assertThat(failing.awaitClose()).isEqualTo(CloseReason.LISTENER_FAILED);
    assertThat(data(healthy.take(3))).isEqualTo(numbers(1, 3));
  }

  @Test
  void idleSubscriptionsGetHeartbeats() {
    Emitron emitron = emitron(100, Duration.ofMillis(50));
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(freshTopic(), SubscribeOptions.live(), listener);
    listener.awaitStart();
    await().atMost(Duration.ofSeconds(10)).until(() -> listener.heartbeats() >= 3);
  }

  @Test
  void closingEmitronEndsSubscriptionsAndRefusesNewWork() {
    Emitron emitron = emitron(100);
    String topic = freshTopic();
    RecordingListener listener = new RecordingListener();
    emitron.subscribe(topic, SubscribeOptions.live(), listener);
    listener.awaitStart();
    emitron.close();
    emitron.close();
    assertThat(listener.awaitClose()).isEqualTo(CloseReason.SHUTDOWN);
    assertThatThrownBy(() -> emitron.publish(topic, 1).toCompletableFuture().join())
        .hasCauseInstanceOf(EmitronException.Closed.class);
    assertThatThrownBy(() -> emitron.subscribe(topic, SubscribeOptions.live(), new RecordingListener()))
        .isInstanceOf(EmitronException.Closed.class);
  }

  /**
   * Publishers run flat out while subscribers join at random moments, half replaying the whole buffer,
   * half resuming after an id already published. Every subscriber must see a gapless, duplicate-free,
   * ordered run of ids ending at the last published message.
   */
  @Test
  void replayThenLiveHasNoGapUnderConcurrentPublish() throws Exception {
    int publishers = 4;
    int perPublisher = 500;
    int subscribers = 20;
    int total = publishers * perPublisher;
    Emitron emitron = emitron(total + 10);
    String topic = freshTopic();
    ConcurrentSkipListSet<MessageId> published = new ConcurrentSkipListSet<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(publishers + 1);
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int p = 0; p < publishers; p++) {
        int publisher = p;
        running.add(pool.submit(() -> {
          go.await();
          for (int seq = 1; seq <= perPublisher; seq++) {
            published.add(emitron.publish(topic, Map.of("p", publisher, "s", seq))
                .toCompletableFuture().get(10, TimeUnit.SECONDS).id());
          }
          return null;
        }));
      }
      List<RecordingListener> listeners = Collections.synchronizedList(new ArrayList<>());
      List<MessageId> resumedAfter = Collections.synchronizedList(new ArrayList<>());
      running.add(pool.submit(() -> {
        Random random = new Random(42);
        go.await();
        for (int i = 0; i < subscribers; i++) {
          await().atMost(Duration.ofSeconds(30)).until(() -> published.size() >= 1);
          RecordingListener listener = new RecordingListener();
          if (i % 2 == 0) {
            resumedAfter.add(null);
            listeners.add(listener);
            emitron.subscribe(topic, SubscribeOptions.replay(total + 10), listener);
          } else {
            List<MessageId> sofar = new ArrayList<>(published);
            MessageId after = sofar.get(random.nextInt(sofar.size()));
            resumedAfter.add(after);
            listeners.add(listener);
            emitron.subscribe(topic, SubscribeOptions.resumeAfter(after.toString()), listener);
          }
          int target = Math.min(total, published.size() + random.nextInt(total / subscribers * 2));
          await().atMost(Duration.ofSeconds(30)).until(() -> published.size() >= target);
        }
        return null;
      }));
      go.countDown();
      for (Future<?> future : running) {
        future.get(60, TimeUnit.SECONDS);
      }

      List<MessageId> all = new ArrayList<>(published);
      assertThat(all).hasSize(total);
      MessageId last = all.get(all.size() - 1);
      for (int i = 0; i < listeners.size(); i++) {
        RecordingListener listener = listeners.get(i);
        StreamStart start = listener.awaitStart();
        assertThat(start.gap()).as("subscriber %d gap", i).isFalse();
        List<MessageId> received = new ArrayList<>();
        while (received.isEmpty() || !received.get(received.size() - 1).equals(last)) {
          received.add(listener.take().id());
        }
        listener.assertExhausted();
        MessageId after = resumedAfter.get(i);
        int from = after == null ? 0 : all.indexOf(after) + 1;
        assertThat(received).as("subscriber %d (after %s)", i, after).isEqualTo(all.subList(from, all.size()));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
