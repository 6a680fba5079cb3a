package dev.emitron.redis;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisFuture;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live feed: the pub/sub subscriptions of every topic of the instance, on one connection
 * (standalone Redis) or one per cluster node (sharded pub/sub, where each channel lives on the node
 * owning its slot). The {@link Commands} send the subscriptions; the {@link RedisLink} calls
 * {@link #subscribed}, {@link #unsubscribed} and {@link #message} from Lettuce's callbacks.
 *
 * <p>Per channel it tracks whether emitron wants it ({@code wanted}), how many of its own
 * {@code SUBSCRIBE} commands await their confirmation ({@code pending}) and whether Redis confirmed it.
 * A confirmation that none of our commands awaits is Lettuce re-subscribing after it reconnected: the
 * feed was interrupted, so the listener hears {@link Transport.Listener#onRestored}. A confirmation for a
 * channel no longer wanted (its {@code UNSUBSCRIBE} was refused while Redis was away) is answered with
 * {@code UNSUBSCRIBE}, so no subscription leaks.
 *
 * <p>In a cluster a subscription can also end without us asking: the slot moved to another node
 * (which answers with an unsolicited {@code SUNSUBSCRIBE}), or the node's connection was lost
 * ({@link #lost}). Such channels are subscribed again by {@link #reconcile}, routed to the node that
 * owns the slot then, and the confirmation, which none of our own commands awaits, reports the
 * restoration.
 *
 * <p>Commands are sent under this object's lock so that Redis sees each channel's
 * {@code SUBSCRIBE}/{@code UNSUBSCRIBE} in the order they were asked for. Callbacks run on Lettuce's
 * event-loop thread; listener calls are made outside the lock and never block.
 */
final class LiveFeed {

  private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);

  /** The subscribe and unsubscribe commands of one mode. */
  interface Commands {
    /** {@code SUBSCRIBE} (or {@code SSUBSCRIBE}) one channel. */
    RedisFuture<Void> subscribe(String channel);

    /** {@code UNSUBSCRIBE} (or {@code SUNSUBSCRIBE}) one channel. */
    RedisFuture<Void> unsubscribe(String channel);
  }

  private static final class Feed {
    final Topic topic;
    boolean wanted;
    int pending;
    /** Our own unsubscribe commands awaiting their confirmation. */
    int unsubscribing;
    boolean confirmed;
    /** The cluster node the channel is subscribed on, when known; {@code null} for standalone Redis. */
    /* @Nullable */ String node;
    /** A re-subscription sent by {@link #reconcile} awaits its answer, since {@link #resubscribedAt}. */
    boolean resubscribing;
    long resubscribedAt;
    /* @Nullable */ RedisFuture<Void> resubscription;
    /* @Nullable */ CompletableFuture<Void> ready;
    /** Our subscribe stages that wait for their confirmation, oldest first (when replies are not trusted). */
    final ArrayDeque<CompletableFuture<Void>> awaiting = new ArrayDeque<>(1);

    Feed(Topic topic) {
      this.topic = topic;
    }
  }

  private final Commands connection;
  private final Keys keys;
  private final Transport.Listener listener;
  private final Consumer<Message> seen;
  private final Runnable dropped;
  private final /* @Nullable */ Duration confirmWithin;
  private final Map<String, Feed> feeds = new HashMap<>(); // guarded by this
  private volatile boolean closed;

  /**
   * Creates the feed.
   *
   * @param dropped called (outside the lock) when Redis ended a wanted subscription by itself, so that
   *     the link re-subscribes it soon with {@link #reconcile}
   * @param confirmWithin {@code null} when a subscribe command's reply is its confirmation (standalone
   *     Redis); otherwise a topic's live feed is active only once the confirmation callback came, which
   *     must come within this time. With sharded pub/sub Lettuce 6.8 can complete an {@code SSUBSCRIBE}
   *     with an {@code smessage} of another channel that arrived first, before Redis subscribed it.
   */
  LiveFeed(Commands connection, Keys keys, Transport.Listener listener, Consumer<Message> seen, Runnable dropped,
      /* @Nullable */ Duration confirmWithin) {
    this.connection = connection;
    this.keys = keys;
    this.listener = listener;
    this.seen = seen;
    this.dropped = dropped;
    this.confirmWithin = confirmWithin;
  }

  CompletionStage<Void> subscribe(Topic topic) {
    String channel = keys.channel(topic);
    Feed feed;
    CompletableFuture<Void> ready;
    RedisFuture<Void> sent;
    synchronized (this) {
      if (closed) {
        return CompletableFuture.failedFuture(new EmitronException.Closed("transport is closed"));
      }
      feed = feeds.computeIfAbsent(channel, c -> new Feed(topic));
      if (feed.wanted && feed.ready != null) {
        return feed.ready;
      }
      feed.wanted = true;
      ready = new CompletableFuture<>();
      feed.ready = ready;
      try {
        sent = connection.subscribe(channel);
      } catch (RuntimeException e) {
        feed.ready = null;
        forgetIfIdle(channel, feed);
        return CompletableFuture.failedFuture(Errors.unavailable("subscribe to", topic, e));
      }
      feed.pending++;
      if (confirmWithin != null) {
        feed.awaiting.add(ready);
      }
    }
    if (confirmWithin != null) {
      // The confirmation completes the stage; without one in time (a lost MOVED answer), it fails.
      CompletableFuture.delayedExecutor(staleNanos(), TimeUnit.NANOSECONDS).execute(() -> {
        if (!ready.isDone()) {
          sent.cancel(false);
          unconfirmed(channel, feed, ready, topic, null);
        }
      });
    }
    sent.whenComplete((ignored, failure) -> {
      if (failure == null) {
        if (confirmWithin == null) {
          ready.complete(null);
        }
        return;
      }
      if (confirmWithin != null && Errors.unwrap(failure) instanceof RedisCommandExecutionException) {
        // Possibly another command's error reply taken for this one's: the confirmation or the guard decides.
        return;
      }
      unconfirmed(channel, feed, ready, topic, failure);
    });
    return ready;
  }

  /** A subscribe command failed, or no confirmation came for it: its stage fails, nothing is pending. */
  private void unconfirmed(String channel, Feed feed, CompletableFuture<Void> ready, Topic topic,
      /* @Nullable */ Throwable failure) {
    synchronized (this) {
      if (ready.isDone() || (confirmWithin != null && !feed.awaiting.remove(ready))) {
        return;
      }
      feed.pending = Math.max(0, feed.pending - 1);
      if (feed.ready == ready) {
        feed.ready = null;
      }
      forgetIfIdle(channel, feed);
    }
    ready.completeExceptionally(failure != null
        ? Errors.unavailable("subscribe to", topic, failure)
        : new EmitronException.Unavailable("Redis did not confirm the subscription to topic '" + topic + "'", null));
  }

  void unsubscribe(Topic topic) {
    String channel = keys.channel(topic);
    synchronized (this) {
      Feed feed = feeds.get(channel);
      if (closed || feed == null || !feed.wanted) {
        return;
      }
      feed.wanted = false;
      feed.ready = null;
      sendUnsubscribe(channel, feed);
    }
  }

  /** Sends UNSUBSCRIBE; called under the lock. A refusal is repaired when Lettuce re-subscribes. */
  private void sendUnsubscribe(String channel, /* @Nullable */ Feed feed) {
    try {
      RedisFuture<Void> sent = connection.unsubscribe(channel);
      if (feed != null) {
        feed.unsubscribing++;
      }
      sent.whenComplete((ignored, failure) -> {
        if (failure != null) {
          log.debug("UNSUBSCRIBE {} failed; it is sent again once Redis is back", channel, failure);
          synchronized (this) {
            if (feed != null) {
              feed.unsubscribing = Math.max(0, feed.unsubscribing - 1);
              forgetIfIdle(channel, feed);
            }
          }
        }
      });
    } catch (RuntimeException e) {
      log.debug("UNSUBSCRIBE {} failed; it is sent again once Redis is back", channel, e);
    }
  }

  /** Drops the state of a channel nobody wants, that is not subscribed and has nothing in flight. */
  private void forgetIfIdle(String channel, Feed feed) {
    if (!feed.wanted && feed.pending == 0 && !feed.confirmed && !feed.resubscribing && feeds.get(channel) == feed) {
      feeds.remove(channel);
    }
  }

  /**
   * Redis confirmed a subscription: ours, or one Lettuce or {@link #reconcile} sent again.
   *
   * @param node the cluster node it is on, or {@code null} for standalone Redis
   */
  void subscribed(String channel, /* @Nullable */ String node) {
    Topic restored = null;
    CompletableFuture<Void> active = null;
    synchronized (this) {
      Feed feed = feeds.get(channel);
      if (feed != null) {
        feed.confirmed = true;
        feed.node = node;
        if (feed.pending > 0) {
          feed.pending--;
          active = feed.awaiting.poll();
        } else if (feed.wanted) {
          restored = feed.topic;
        }
      }
      if (!closed && (feed == null || (!feed.wanted && feed.pending == 0)) && keys.topicOf(channel) != null) {
        // Lettuce re-subscribed a channel whose UNSUBSCRIBE was refused while Redis was away.
        sendUnsubscribe(channel, feed);
      }
    }
    if (active != null) {
      active.complete(null);
    }
    if (restored != null && !closed) {
      log.debug("Live feed of topic '{}' restored", restored);
      try {
        listener.onRestored(restored);
      } catch (RuntimeException e) {
        log.warn("Listener failed on the restored live feed of topic '{}'", restored, e);
      }
    }
  }

  /** Redis confirmed an unsubscription: ours, or one Redis made by itself (the slot moved away). */
  void unsubscribed(String channel) {
    boolean lost = false;
    synchronized (this) {
      Feed feed = feeds.get(channel);
      if (feed != null) {
        feed.confirmed = false;
        feed.node = null;
        if (feed.unsubscribing > 0) {
          feed.unsubscribing--;
        } else if (feed.wanted && !closed) {
          lost = true;
        }
        forgetIfIdle(channel, feed);
      }
    }
    if (lost) {
      log.debug("Redis ended the subscription of channel {}; subscribing again", channel);
      dropped.run();
    }
  }

  /**
   * The subscriptions on the nodes that {@code onNode} accepts were lost with their connection: they
   * are no longer confirmed, so {@link #reconcile} subscribes them again.
   */
  void lost(Predicate<String> onNode) {
    synchronized (this) {
      for (Feed feed : feeds.values()) {
        if (feed.confirmed && feed.node != null && onNode.test(feed.node)) {
          feed.confirmed = false;
          feed.node = null;
        }
      }
    }
  }

  /**
   * Subscribes again every wanted channel that no confirmation covers: Redis ended it (its slot moved),
   * or it was lost with its node's connection, or an earlier attempt was answered without a
   * confirmation. Only the confirmation callback counts, never the command's future: Lettuce 6.8's
   * RESP2 pub/sub decoder takes an unsolicited {@code sunsubscribe} or an {@code smessage} that arrives
   * while a command is pending for that command's reply. The confirmation, which none of our own
   * commands awaits, reports the restoration to the listener, which then reads what the live feed
   * missed from the buffer.
   *
   * @return how many channels were sent again
   */
  int reconcile() {
    int sent = 0;
    synchronized (this) {
      if (closed) {
        return 0;
      }
      for (Map.Entry<String, Feed> entry : feeds.entrySet()) {
        String channel = entry.getKey();
        Feed feed = entry.getValue();
        if (!feed.wanted || feed.confirmed || feed.pending > 0) {
          continue;
        }
        if (feed.resubscribing) {
          if (System.nanoTime() - feed.resubscribedAt < staleNanos()) {
            continue;
          }
          // Seen with Lettuce 6.8 after a MOVED redirection: the command is never answered nor timed out.
          log.debug("Subscribing channel {} again got no answer; sending it once more", channel);
          RedisFuture<Void> stale = feed.resubscription;
          if (stale != null) {
            stale.cancel(false);
          }
        }
        try {
          log.debug("Subscribing channel {} again", channel);
          RedisFuture<Void> again = connection.subscribe(channel);
          feed.resubscribing = true;
          feed.resubscribedAt = System.nanoTime();
          feed.resubscription = again;
          sent++;
          again.whenComplete((ignored, failure) -> {
            synchronized (this) {
              if (feed.resubscription == again) {
                feed.resubscribing = false;
                feed.resubscription = null;
              }
              forgetIfIdle(channel, feed);
            }
            if (failure != null) {
              log.debug("Subscribing channel {} again failed; retrying", channel, failure);
            }
          });
        } catch (RuntimeException e) {
          log.debug("Subscribing channel {} again failed; retrying", channel, e);
        }
      }
    }
    return sent;
  }

  /** How long a subscribe command may stay unanswered before it is given up. */
  private long staleNanos() {
    return 2 * (confirmWithin == null ? RedisOptions.DEFAULT_COMMAND_TIMEOUT : confirmWithin).toNanos();
  }

  void message(String channel, String payload) {
    Topic topic = keys.topicOf(channel);
    if (topic == null || closed) {
      return;
    }
    Optional<Message> message = Payload.decode(topic, payload);
    if (message.isEmpty()) {
      log.warn("Ignoring a message on channel {} that emitron did not write", channel);
      return;
    }
    seen.accept(message.get());
    try {
      listener.onMessage(message.get());
    } catch (RuntimeException e) {
      log.warn("Listener failed on a live message of topic '{}'", topic, e);
    }
  }

  void close() {
    List<CompletableFuture<Void>> waiting = new ArrayList<>();
    synchronized (this) {
      closed = true;
      for (Feed feed : feeds.values()) {
        if (feed.ready != null) {
          waiting.add(feed.ready);
        }
        waiting.addAll(feed.awaiting);
        feed.awaiting.clear();
      }
      feeds.clear();
    }
    for (CompletableFuture<Void> ready : waiting) {
      ready.completeExceptionally(new EmitronException.Closed("transport is closed"));
    }
  }

  /** The number of channels with state; for tests. */
  synchronized int channels() {
    return feeds.size();
  }
}
