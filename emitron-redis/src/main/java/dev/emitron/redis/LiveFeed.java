package dev.emitron.redis;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Message;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live feed: one pub/sub connection shared by every topic of the instance.
 *
 * <p>Per channel it tracks whether emitron wants it ({@code wanted}), how many of its own
 * {@code SUBSCRIBE} commands await their confirmation ({@code pending}) and whether Redis confirmed it.
 * A confirmation that none of our commands awaits is Lettuce re-subscribing after it reconnected: the
 * feed was interrupted, so the listener hears {@link Transport.Listener#onRestored}. A confirmation for a
 * channel no longer wanted (its {@code UNSUBSCRIBE} was refused while Redis was away) is answered with
 * {@code UNSUBSCRIBE}, so no subscription leaks.
 *
 * <p>Commands are sent under this object's lock so that Redis sees each channel's
 * {@code SUBSCRIBE}/{@code UNSUBSCRIBE} in the order they were asked for. Callbacks run on Lettuce's
 * event-loop thread; listener calls are made outside the lock and never block.
 */
final class LiveFeed extends RedisPubSubAdapter<String, String> {

  private static final Logger log = LoggerFactory.getLogger(LiveFeed.class);

  private static final class Feed {
    final Topic topic;
    boolean wanted;
    int pending;
    boolean confirmed;
    /* @Nullable */ CompletableFuture<Void> ready;

    Feed(Topic topic) {
      this.topic = topic;
    }
  }

  private final StatefulRedisPubSubConnection<String, String> connection;
  private final Keys keys;
  private final Transport.Listener listener;
  private final Consumer<Message> seen;
  private final Map<String, Feed> feeds = new HashMap<>(); // guarded by this
  private volatile boolean closed;

  LiveFeed(StatefulRedisPubSubConnection<String, String> connection, Keys keys, Transport.Listener listener,
      Consumer<Message> seen) {
    this.connection = connection;
    this.keys = keys;
    this.listener = listener;
    this.seen = seen;
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
        sent = connection.async().subscribe(channel);
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
      connection.async().unsubscribe(channel).whenComplete((ignored, failure) -> {
        if (failure != null) {
          log.debug("UNSUBSCRIBE {} failed; it is sent again once Redis is back", channel, failure);
          synchronized (this) {
            if (feed != null) {
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
    if (!feed.wanted && feed.pending == 0 && !feed.confirmed && feeds.get(channel) == feed) {
      feeds.remove(channel);
    }
  }

  @Override
  public void subscribed(String channel, long count) {
    Topic restored = null;
    synchronized (this) {
      Feed feed = feeds.get(channel);
      if (feed != null) {
        feed.confirmed = true;
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

  @Override
  public void unsubscribed(String channel, long count) {
    synchronized (this) {
      Feed feed = feeds.get(channel);
      if (feed != null) {
        feed.confirmed = false;
        forgetIfIdle(channel, feed);
      }
    }
  }

  @Override
  public void message(String channel, String payload) {
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
