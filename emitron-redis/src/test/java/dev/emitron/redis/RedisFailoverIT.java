package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.CloseReason;
import dev.emitron.core.Emitron;
import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Published;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Subscription;
import dev.emitron.core.Transport;
import io.lettuce.core.KillArgs;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis transport when Redis goes away: connections cut, Redis stopped, killed and restarted empty. */
class RedisFailoverIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private static final Duration FAIL_FAST = Duration.ofSeconds(3);
  private static final AtomicInteger topics = new AtomicInteger();

  private final List<AutoCloseable> closeables = new ArrayList<>();

  @AfterEach
  void closeInstances() throws Exception {
    for (int i = closeables.size() - 1; i >= 0; i--) {
      closeables.get(i).close();
    }
  }

  private final RestorationCounter restorations = new RestorationCounter();

  private Emitron instance(int replayMax) {
    Transport.Factory redisTransport = RedisTransport.factory(RedisOptions.builder()
        .uri(redis.uri())
        .commandTimeout(Duration.ofSeconds(1))
        .build());
    Emitron emitron = Emitron.builder()
        .replayMax(replayMax)
        .heartbeat(Duration.ZERO)
        .healthTimeout(Duration.ofSeconds(1))
        .transport(restorations.wrap(redisTransport))
        .build();
    closeables.add(emitron);
    return emitron;
  }

  private Recorder subscribe(Emitron emitron, String topic, SubscribeOptions options) {
    return Recorder.subscribe(emitron, topic, options, closeables);
  }

  private static String newTopic(String name) {
    return name + "-" + topics.incrementAndGet();
  }

  private static String channel(String topic) {
    return "emitron:{" + topic + "}:live";
  }

  private static Published publish(Emitron emitron, String topic, Object data) {
    return emitron.publish(topic, data).toCompletableFuture().orTimeout(10, TimeUnit.SECONDS).join();
  }

  private static boolean healthy(Emitron emitron) {
    return emitron.health().toCompletableFuture().join().up();
  }

  /** Publishes while Redis is away: it must fail with Unavailable, fast. */
  private static void assertPublishFailsFast(Emitron emitron, String topic) {
    long start = System.nanoTime();
    Throwable failure = catchThrowable(() -> emitron.publish(topic, "lost").toCompletableFuture().join());
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST);
    assertThat(failure).isInstanceOf(CompletionException.class)
        .cause().isInstanceOf(EmitronException.Unavailable.class);
  }

  @Test
  void killedPubSubConnectionsAreRestoredAndNoSubscriberMissesAMessage() throws Exception {
    int total = 400;
    Emitron a = instance(total);
    Emitron b = instance(total);
    String topic = newTopic("cut");
    List<Recorder> subscribers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Recorder recorder = subscribe(a, topic, SubscribeOptions.live());
      recorder.takeStart();
      subscribers.add(recorder);
    }
    List<MessageId> ids = new ArrayList<>();
    AtomicInteger sent = new AtomicInteger();
    ExecutorService publisher = Executors.newSingleThreadExecutor();
    try {
      Future<?> publishing = publisher.submit(() -> {
        for (int i = 1; i <= total; i++) {
          ids.add(publish(b, topic, i).id());
          sent.set(i);
        }
        return null;
      });
      for (int cutAt : new int[] {80, 200, 320}) {
        // Cut while the live feed is up (after the previous cut it is restored first).
        await().atMost(Duration.ofSeconds(10))
            .until(() -> redis.commands().pubsubNumsub(channel(topic)).get(channel(topic)) == 1L);
        await().atMost(Duration.ofSeconds(20)).until(() -> sent.get() >= cutAt);
        assertThat(redis.commands().clientKill(KillArgs.Builder.typePubsub())).isPositive();
      }
      publishing.get(30, TimeUnit.SECONDS);
    } finally {
      publisher.shutdownNow();
    }

    for (Recorder subscriber : subscribers) {
      List<Message> received = subscriber.takeMessages(total);
      for (int i = 0; i < total; i++) {
        assertThat(received.get(i).data()).as("message %d", i + 1).isEqualTo(Integer.toString(i + 1));
        assertThat(received.get(i).id()).isEqualTo(ids.get(i));
      }
      assertThat(subscriber.poll(Duration.ofMillis(100))).isNull();
    }
    assertThat(restorations.total()).as("live feed restorations reported").isEqualTo(3);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> redis.commands().pubsubNumsub(channel(topic)).get(channel(topic)) == 1L);
  }

  @Test
  void redisStoppedAndRestartedEmptyRecoversWithoutRecreatingEmitron() {
    Emitron a = instance(100);
    Emitron b = instance(100);
    String behind = newTopic("lost-buffer");
    String fresh = newTopic("fresh");
    Recorder inLostBuffer = subscribe(a, behind, SubscribeOptions.live());
    inLostBuffer.takeStart();
    Recorder atZero = subscribe(a, fresh, SubscribeOptions.live());
    atZero.takeStart();
    MessageId last = null;
    for (int i = 1; i <= 3; i++) {
      last = publish(b, behind, i).id();
    }
    assertThat(inLostBuffer.takeMessages(3)).extracting(Message::data).containsExactly("1", "2", "3");

    redis.stop();
    assertPublishFailsFast(b, behind);
    assertPublishFailsFast(a, fresh);
    Throwable clear = catchThrowable(() -> a.clearBuffer(behind).toCompletableFuture().join());
    assertThat(clear).cause().isInstanceOf(EmitronException.Unavailable.class);
    Recorder duringOutage = subscribe(a, newTopic("outage"), SubscribeOptions.live());
    assertThat(duringOutage.takeClose().reason()).isEqualTo(CloseReason.UNAVAILABLE);
    // Redis stays away for a while, so that Lettuce fails to reconnect several times.
    await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(4))
        .until(() -> !healthy(a) && !healthy(b));

    redis.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> healthy(a) && healthy(b));
    // A is subscribed again to the topic with an open subscriber (the other one's subscriber is closed
    // below, which releases its channel).
    await().atMost(Duration.ofSeconds(10)).until(() -> redis.commands().pubsubChannels().contains(channel(fresh)));

    // The subscriber whose position was in the lost buffer is told so, never left silently waiting.
    Object event;
    do {
      event = inLostBuffer.take(Duration.ofSeconds(15));
    } while (event instanceof Message);
    assertThat(event).isEqualTo(new Recorder.Closed(CloseReason.GAP, null));

    // The subscriber that had nothing yet loses nothing and stays open.
    Published next = publish(b, fresh, "after restart");
    assertThat(next.transportReceivers()).isEqualTo(1);
    assertThat(atZero.takeMessage().id()).isEqualTo(next.id());
    atZero.assertExhausted();

    // New subscribers work on the same instance, and ids go on increasing.
    Recorder again = subscribe(a, behind, SubscribeOptions.live());
    again.takeStart();
    Published resumed = publish(b, behind, 4);
    assertThat(resumed.id()).isGreaterThan(last);
    assertThat(again.takeMessage().data()).isEqualTo("4");
  }

  @Test
  void subscriptionClosedWhileRedisIsDownIsReleasedOnceItIsBack() {
    Emitron a = instance(100);
    String kept = newTopic("kept");
    String left = newTopic("left");
    subscribe(a, kept, SubscribeOptions.live()).takeStart();
    Recorder leaving = subscribe(a, left, SubscribeOptions.live());
    leaving.takeStart();
    Subscription subscription = (Subscription) closeables.get(closeables.size() - 1);

    redis.stop();
    subscription.close();
    assertThat(leaving.takeClose().reason()).isEqualTo(CloseReason.CLOSED);
    redis.start();

    await().atMost(Duration.ofSeconds(10)).until(() -> redis.commands().pubsubChannels().contains(channel(kept)));
    await().atMost(Duration.ofSeconds(10)).until(() -> !redis.commands().pubsubChannels().contains(channel(left)));
    assertThat(publish(a, left, 1).transportReceivers()).isZero();
  }

  @Test
  void killedRedisFailsFastAndTheTransportRecovers() {
    Emitron a = instance(100);
    String topic = newTopic("crash");
    Recorder live = subscribe(a, topic, SubscribeOptions.live());
    live.takeStart();
    publish(a, topic, 1);
    assertThat(live.takeMessage().data()).isEqualTo("1");

    redis.kill();
    assertPublishFailsFast(a, topic);
    assertThat(healthy(a)).isFalse();

    redis.start();
    await().atMost(Duration.ofSeconds(10)).until(() -> healthy(a));
    // Its only subscriber is closed, which releases the channel: it cannot be left waiting.
    assertThat(live.take(Duration.ofSeconds(15))).isEqualTo(new Recorder.Closed(CloseReason.GAP, null));
    Recorder again = subscribe(a, topic, SubscribeOptions.replay(10));
    again.takeStart();
    publish(a, topic, 2);
    assertThat(again.takeMessage().data()).isEqualTo("2");
  }

  @Test
  void commandsFailWithinTheTimeoutWhenRedisHangs() {
    Emitron a = instance(100);
    String topic = newTopic("paused");
    publish(a, topic, 1);
    redis.freeze();
    try {
      assertPublishFailsFast(a, topic);
      long start = System.nanoTime();
      assertThat(healthy(a)).isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(FAIL_FAST);
      CompletableFuture<?> read = a.clearBuffer(topic).toCompletableFuture();
      assertThat(catchThrowable(read::join)).cause().isInstanceOf(EmitronException.Unavailable.class);
    } finally {
      redis.thaw();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> healthy(a));
    publish(a, topic, 2);
  }
}
