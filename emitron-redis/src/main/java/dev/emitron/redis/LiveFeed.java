package dev.emitron.redis;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.RedisFuture;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import java.util.function.Function;
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
 * ({@link #lost}). Such channels are subscribed again by {@link #reconcile}, on the node that owns the
 * slot then, and the confirmation, which none of our own commands awaits, reports the restoration.
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
    /** A re-subscription sent by {@link #reconcile} awaits its answer. */
    boolean resubscribing;
    /* @Nullable */ CompletableFuture<Void> ready;

    Feed(Topic topic) {
      this.topic = topic;
    }
  }

  private final Commands connection;
  private final Keys keys;
  private final Transport.Listener listener;
  private final Consumer<Message> seen;
  private final Runnable dropped;
  private final Map<String, Feed> feeds = new HashMap<>(); // guarded by this
  private volatile boolean closed;

  /**
   * Creates the feed.
   *
   * @param dropped called (outside the lock) when Redis ended a wanted subscription by itself, so that
   *     the link re-subscribes it soon with {@link #reconcile}
   */
  LiveFeed(Commands connection, Keys keys, Transport.Listener listener, Consumer<Message> seen, Runnable dropped) {
    this.connection = connection;
    this.keys = keys;
    this.listener = listener;
    this.seen = seen;
    this.dropped = dropped;
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
    }
    sent.whenComplete((ignored, failure) -> {
      if (failure == null) {
        ready.complete(null);
        return;
      }
      synchronized (this) {
        feed.pending = Math.max(0, feed.pending - 1);
        if (feed.ready == ready) {
          feed.ready = null;
        }
        forgetIfIdle(channel, feed);
      }
      ready.completeExceptionally(Errors.unavailable("subscribe to", topic, failure));
    });
    return ready;
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
    synchronized (this) {
      Feed feed = feeds.get(channel);
      if (feed != null) {
        feed.confirmed = true;
        feed.node = node;
        if (feed.pending > 0) {
          feed.pending--;
        } else if (feed.wanted) {
          restored = feed.topic;
        }
      }
      if (!closed && (feed == null || (!feed.wanted && feed.pending == 0)) && keys.topicOf(channel) != null) {
        // Lettuce re-subscribed a channel whose UNSUBSCRIBE was refused while Redis was away.
        sendUnsubscribe(channel, feed);
      }
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
   * Subscribes again every wanted channel that is not confirmed, or that is confirmed on another node
   * than the one owning its slot now. The confirmation reports the restoration to the listener, which
   * then reads what the live feed missed from the buffer.
   *
   * @param owner the node owning a channel's slot now, or {@code null} when unknown
   * @return how many channels were sent again
   */
  int reconcile(Function<String, /* @Nullable */ String> owner) {
    int sent = 0;
    synchronized (this) {
      if (closed) {
        return 0;
      }
      for (Map.Entry<String, Feed> entry : feeds.entrySet()) {
        String channel = entry.getKey();
        Feed feed = entry.getValue();
        if (!feed.wanted || feed.pending > 0 || feed.resubscribing) {
          continue;
        }
        String node = owner.apply(channel);
        boolean moved = feed.confirmed && node != null && feed.node != null && !node.equals(feed.node);
        if (feed.confirmed && !moved) {
          continue;
        }
        try {
          RedisFuture<Void> again = connection.subscribe(channel);
          feed.resubscribing = true;
          sent++;
          again.whenComplete((ignored, failure) -> {
            synchronized (this) {
              feed.resubscribing = false;
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
