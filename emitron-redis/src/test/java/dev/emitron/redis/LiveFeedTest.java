package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The live feed's bookkeeping, on commands whose answers the test gives. */
class LiveFeedTest {

  private static final Topic NEWS = Topic.of("news");
  private static final String CHANNEL = "emitron:{news}:live";

  /** Records each command; the test completes the futures. */
  private static final class FakeCommands implements LiveFeed.Commands {
    final List<AsyncCommand<String, String, Void>> subscribes = new ArrayList<>();
    final List<AsyncCommand<String, String, Void>> unsubscribes = new ArrayList<>();

    @Override
    public RedisFuture<Void> subscribe(String channel) {
      AsyncCommand<String, String, Void> command = new AsyncCommand<>(new Command<>(CommandType.SSUBSCRIBE, null));
      subscribes.add(command);
      return command;
    }

    @Override
    public RedisFuture<Void> unsubscribe(String channel) {
      AsyncCommand<String, String, Void> command = new AsyncCommand<>(new Command<>(CommandType.SUNSUBSCRIBE, null));
      unsubscribes.add(command);
      return command;
    }
  }

  private final FakeCommands commands = new FakeCommands();
  private final List<Topic> restored = new ArrayList<>();
  private final AtomicInteger dropped = new AtomicInteger();

  private LiveFeed feed(Duration confirmWithin) {
    return new LiveFeed(commands, new Keys("emitron"), new Transport.Listener() {
      @Override
      public void onMessage(Message message) {
      }

      @Override
      public void onRestored(Topic topic) {
        restored.add(topic);
      }
    }, message -> { }, dropped::incrementAndGet, confirmWithin);
  }

  @Test
  void standaloneSubscriptionIsActiveWhenTheCommandIsAnswered() {
    LiveFeed feed = feed(null);
    CompletableFuture<Void> ready = feed.subscribe(NEWS).toCompletableFuture();
    commands.subscribes.get(0).complete(null);
    assertThat(ready).isCompleted();
    feed.subscribed(CHANNEL, null);
    assertThat(restored).isEmpty();
  }

  @Test
  void clusterSubscriptionIsActiveOnlyOnceRedisConfirmsIt() {
    LiveFeed feed = feed(Duration.ofSeconds(5));
    CompletableFuture<Void> ready = feed.subscribe(NEWS).toCompletableFuture();
    // Lettuce 6.8 can complete the command with another channel's smessage that arrived first.
    commands.subscribes.get(0).complete(null);
    assertThat(ready).isNotDone();
    feed.subscribed(CHANNEL, "node-a");
    assertThat(ready).isCompleted();
    assertThat(restored).as("our own confirmation is no restoration").isEmpty();
  }

  @Test
  void clusterSubscriptionWithoutConfirmationFailsAfterTheGuard() {
    LiveFeed feed = feed(Duration.ofMillis(50));
    CompletableFuture<Void> ready = feed.subscribe(NEWS).toCompletableFuture();
    commands.subscribes.get(0).complete(null);
    await().atMost(Duration.ofSeconds(5)).until(ready::isDone);
    assertThat(ready).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
        .withCauseInstanceOf(EmitronException.Unavailable.class);
    // A confirmation that comes after all is a restoration of a feed nobody waits for any more.
    feed.subscribed(CHANNEL, "node-a");
    assertThat(restored).containsExactly(NEWS);
  }

  @Test
  void subscriptionEndedByRedisIsSentAgainAndReportedRestoredOnItsConfirmation() {
    LiveFeed feed = feed(Duration.ofSeconds(5));
    feed.subscribe(NEWS);
    feed.subscribed(CHANNEL, "node-a");
    assertThat(feed.reconcile()).as("nothing to do while confirmed").isZero();

    feed.unsubscribed(CHANNEL); // the slot moved: Redis sends sunsubscribe by itself
    assertThat(dropped).hasValue(1);
    assertThat(feed.reconcile()).isEqualTo(1);
    assertThat(feed.reconcile()).as("one re-subscription in flight").isZero();
    commands.subscribes.get(1).complete(null);
    assertThat(restored).as("an answer is no confirmation").isEmpty();
    assertThat(feed.reconcile()).as("answered without a confirmation: sent again").isEqualTo(1);
    feed.subscribed(CHANNEL, "node-b");
    assertThat(restored).containsExactly(NEWS);
    assertThat(feed.reconcile()).isZero();
  }

  @Test
  void ourOwnUnsubscribeIsNotMistakenForOneByRedis() {
    LiveFeed feed = feed(Duration.ofSeconds(5));
    feed.subscribe(NEWS);
    feed.subscribed(CHANNEL, "node-a");
    feed.unsubscribe(NEWS);
    feed.subscribe(NEWS);
    feed.unsubscribed(CHANNEL); // the answer to our own UNSUBSCRIBE, arriving after the new SUBSCRIBE
    assertThat(dropped).hasValue(0);
    assertThat(feed.reconcile()).as("our SUBSCRIBE is pending").isZero();
  }

  @Test
  void subscriptionsOnALostNodeAreSentAgain() {
    LiveFeed feed = feed(Duration.ofSeconds(5));
    feed.subscribe(NEWS);
    feed.subscribed(CHANNEL, "node-a");
    feed.lost("node-b"::equals);
    assertThat(feed.reconcile()).isZero();
    feed.lost("node-a"::equals);
    assertThat(feed.reconcile()).isEqualTo(1);
    feed.subscribed(CHANNEL, "node-c");
    assertThat(restored).containsExactly(NEWS);
  }

  @Test
  void unansweredResubscriptionIsSentOnceMoreAfterTheGuard() {
    LiveFeed feed = feed(Duration.ofMillis(50));
    feed.subscribe(NEWS);
    feed.subscribed(CHANNEL, "node-a");
    feed.unsubscribed(CHANNEL);
    assertThat(feed.reconcile()).isEqualTo(1);
    // Seen after a MOVED redirection: never answered, never timed out.
    await().atMost(Duration.ofSeconds(5)).until(() -> feed.reconcile() == 1);
    assertThat(commands.subscribes.get(1)).isCancelled();
    assertThat(commands.subscribes).hasSize(3);
  }
}
