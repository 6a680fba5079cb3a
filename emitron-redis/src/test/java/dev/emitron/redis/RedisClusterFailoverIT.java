package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.Emitron;
import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Subscription;
import dev.emitron.core.Transport;
import io.lettuce.core.KillArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Redis transport on a Redis Cluster whose nodes fail: three masters with a replica each
 * ({@code cluster-node-timeout} 1 s), a master killed during a publish run, pub/sub connections cut.
 */
class RedisClusterFailoverIT {

  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension(3, 1);

  /** What "fail fast" means: well under a hanging request, as in {@code RedisFailoverIT}. */
  private static final Duration FAIL_FAST = Duration.ofSeconds(3);

  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final RestorationCounter restorations = new RestorationCounter();

  @AfterEach
  void closeInstances() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private Emitron instance() {
    Transport.Factory redis = RedisTransport.factory(RedisOptions.builder()
        .uri(cluster.uri())
        .commandTimeout(Duration.ofSeconds(1))
        .build());
    Emitron emitron = Emitron.builder()
        .replayMax(10_000)
        .heartbeat(Duration.ZERO)
        .transport(restorations.wrap(redis))
        .build();
    closeables.add(emitron);
    return emitron;
  }

  private Recorder subscribe(Emitron emitron, String topic) {
    Recorder recorder = new Recorder();
    Subscription subscription = emitron.subscribe(topic, SubscribeOptions.live(), recorder);
    closeables.add(subscription);
    recorder.takeStart();
    return recorder;
  }

  private static String channel(String topic) {
    return "emitron:{" + topic + "}:live";
  }

  /** {@code count} topic names whose slot the master on {@code port} owns. */
  private static List<String> topicsOn(int port, String prefix, int count) {
    List<String> topics = new ArrayList<>();
    for (int i = 0; topics.size() < count; i++) {
      if (cluster.ownerOfKey(channel(prefix + i)) == port) {
        topics.add(prefix + i);
      }
    }
    return topics;
  }

  /**
   * One publisher sends 1, 2, 3, ... round-robin over the topics, recording what was acknowledged (the
   * HTTP 200) and how long each refusal (the HTTP 503) took; after a refusal it backs off briefly, as
   * a client would.
   */
  private static final class PublishRun implements AutoCloseable {
    final Map<String, List<Integer>> acknowledged = new ConcurrentHashMap<>();
    final AtomicInteger refused = new AtomicInteger();
    final AtomicLong slowestRefusalNanos = new AtomicLong();
    final AtomicInteger sent = new AtomicInteger();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final Future<?> running;

    PublishRun(Emitron publisher, List<String> topics) {
      for (String topic : topics) {
        acknowledged.put(topic, Collections.synchronizedList(new ArrayList<>()));
      }
      running = thread.submit(() -> {
        for (int n = 1; !stop.get(); n++) {
          String topic = topics.get(n % topics.size());
          long start = System.nanoTime();
          try {
            publisher.publish(topic, n).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
            acknowledged.get(topic).add(n);
          } catch (CompletionException e) {
            assertThat(e.getCause()).as("a refused publish").isInstanceOf(EmitronException.Unavailable.class);
            refused.incrementAndGet();
            slowestRefusalNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // the client backs off before retrying
          }
          sent.set(n);
        }
        return null;
      });
    }

    int acknowledged(List<String> topics) {
      return topics.stream().mapToInt(topic -> acknowledged.get(topic).size()).sum();
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      try {
        running.get(30, TimeUnit.SECONDS);
      } finally {
        thread.shutdownNow();
      }
    }
  }

  /** Every acknowledged message reached the subscriber once, in order; nothing ended the stream. */
  private static void assertDeliveredInOrderOnce(String topic, Recorder recorder, List<Integer> expected) {
    List<Integer> received = new ArrayList<>();
    int last = expected.get(expected.size() - 1);
    while (!received.contains(last)) {
      Object event = recorder.poll(Recorder.TIMEOUT);
      assertThat(event).as("%s: the next message after %s; acknowledged %s", topic, received, expected)
          .isInstanceOf(Message.class);
      received.add(Integer.parseInt(((Message) event).data()));
    }
    assertThat(received).as("%s: in order, once", topic).isSorted().doesNotHaveDuplicates();
    assertThat(received).as("%s: every acknowledged message", topic).containsAll(expected);
    assertThat(recorder.poll(Duration.ofMillis(50))).isNull();
  }

  @Test
  void masterKilledDuringAPublishRunFailsOverWithoutLosingAnAcknowledgedMessage() throws Exception {
    List<Integer> masters = cluster.masterPorts();
    int victim = masters.get(0);
    List<String> lost = topicsOn(victim, "victim-", 3);
    List<String> topics = new ArrayList<>(lost);
    topics.addAll(topicsOn(masters.get(1), "other-", 1));
    topics.addAll(topicsOn(masters.get(2), "other-", 1));

    Emitron a = instance();
    Emitron b = instance();
    Map<String, List<Recorder>> recorders = new HashMap<>();
    for (String topic : topics) {
      recorders.put(topic, List.of(subscribe(a, topic), subscribe(b, topic)));
    }

    int acknowledgedAtKill;
    PublishRun run = new PublishRun(b, topics);
    try (run) {
      await().atMost(Duration.ofSeconds(20)).until(() -> run.acknowledged(lost) >= 100);
      acknowledgedAtKill = run.acknowledged(lost);
      cluster.kill(victim);
      cluster.awaitHealthy();
      assertThat(cluster.masterPorts()).as("a replica took over").doesNotContain(victim).hasSize(3);
      // Publishing to the lost master's topics works again without restarting emitron.
      await().atMost(Duration.ofSeconds(30)).until(() -> run.acknowledged(lost) >= acknowledgedAtKill + 150);
    }

    assertThat(run.refused.get()).as("publishes refused while the master was away").isPositive();
    assertThat(Duration.ofNanos(run.slowestRefusalNanos.get())).as("the slowest refusal").isLessThan(FAIL_FAST);
    for (String topic : topics) {
      for (Recorder recorder : recorders.get(topic)) {
        assertDeliveredInOrderOnce(topic, recorder, run.acknowledged.get(topic));
      }
    }
    for (String topic : lost) {
      int owner = cluster.ownerOfKey(channel(topic));
      assertThat(owner).isNotEqualTo(victim);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(restorations.get(topic)).as("%s: live feeds restored", topic).isNotNull()
            .hasValueGreaterThanOrEqualTo(2);
        assertThat(cluster.subscribersOn(owner, channel(topic))).as("%s on its new master", topic).isEqualTo(2);
      });
    }
    await().atMost(Duration.ofSeconds(10)).until(() ->
        a.health().toCompletableFuture().join().up() && b.health().toCompletableFuture().join().up());
  }

  @Test
  void pubSubConnectionsCutOnEveryMasterAreRestoredWithoutLoss() throws Exception {
    List<Integer> masters = cluster.masterPorts();
    List<String> topics = new ArrayList<>();
    for (int port : masters) {
      topics.addAll(topicsOn(port, "cut-", 2));
    }
    Emitron a = instance();
    Emitron b = instance();
    Map<String, List<Recorder>> recorders = new HashMap<>();
    for (String topic : topics) {
      recorders.put(topic, List.of(subscribe(a, topic), subscribe(b, topic)));
    }

    PublishRun run = new PublishRun(a, topics);
    try (run) {
      for (int round = 1; round <= 2; round++) {
        int target = round * 150;
        await().atMost(Duration.ofSeconds(20)).until(() -> run.acknowledged(topics) >= target);
        for (int port : masters) {
          assertThat(cluster.node(port).clientKill(KillArgs.Builder.typePubsub())).isPositive();
        }
        // The next cut waits until every channel is subscribed by both instances again.
        await().atMost(Duration.ofSeconds(10)).until(() ->
            topics.stream().allMatch(topic -> cluster.subscribers(channel(topic)) == 2L));
      }
      int before = run.acknowledged(topics);
      await().atMost(Duration.ofSeconds(20)).until(() -> run.acknowledged(topics) >= before + 100);
    }

    assertThat(run.refused.get()).as("publishes do not use the pub/sub connections").isZero();
    for (String topic : topics) {
      for (Recorder recorder : recorders.get(topic)) {
        assertDeliveredInOrderOnce(topic, recorder, run.acknowledged.get(topic));
      }
      assertThat(restorations.get(topic)).as("%s: live feeds restored after each cut", topic).isNotNull()
          .hasValueGreaterThanOrEqualTo(4);
    }
  }
}
