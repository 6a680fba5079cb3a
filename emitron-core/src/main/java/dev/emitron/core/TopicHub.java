package dev.emitron.core;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local fan-out: one transport subscription per topic with local subscribers, each message handed to
 * every local subscriber of its topic (the same {@link Message}, so its frame is encoded once).
 *
 * <p>Lock order: hub lock, never held while calling anything but the transport's non-blocking
 * subscribe/unsubscribe; a channel's lock, then a subscription's lock. Listener code runs under the
 * subscription's lock only.
 */
final class TopicHub implements Transport.Listener, Metrics.Source {

  private static final Logger log = LoggerFactory.getLogger(TopicHub.class);
  private static final long CATCH_UP_RETRY_MILLIS = 500;
  private static final int CATCH_UP_ATTEMPTS = 20;

  private final Map<Topic, Channel> channels = new HashMap<>(); // guarded by this
  private final Map<Topic, Channel> lookup = new ConcurrentHashMap<>();
  private final ScheduledExecutorService scheduler;
  private Transport transport;
  private volatile Metrics metrics = Metrics.NONE;

  TopicHub(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  void metrics(Metrics metrics) {
    this.metrics = metrics;
  }

  void bind(Transport transport) {
    this.transport = transport;
  }

  /** Adds a subscription to its topic's channel, starting the transport subscription if needed. */
  synchronized Channel join(SubscriptionImpl subscription) {
    Topic topic = subscription.topic();
    Channel channel = channels.get(topic);
    if (channel == null) {
      channel = new Channel(topic);
      channels.put(topic, channel);
      lookup.put(topic, channel);
      channel.ready = transport.subscribe(topic).toCompletableFuture();
      metrics.topicOpened(topic);
    }
    channel.subscribers.add(subscription);
    return channel;
  }

  /** Removes a subscription; the last one out releases the transport subscription. */
  synchronized void leave(SubscriptionImpl subscription) {
    Channel channel = channels.get(subscription.topic());
    if (channel == null || !channel.subscribers.remove(subscription)) {
      return;
    }
    if (channel.subscribers.isEmpty()) {
      channels.remove(channel.topic);
      lookup.remove(channel.topic, channel);
      transport.unsubscribe(channel.topic);
      metrics.topicClosed(channel.topic);
    }
  }

  @Override
  public int subscribers(Topic topic) {
    Channel channel = lookup.get(topic);
    return channel == null ? 0 : channel.subscribers.size();
  }

  synchronized List<SubscriptionImpl> all() {
    List<SubscriptionImpl> all = new ArrayList<>();
    for (Channel channel : channels.values()) {
      all.addAll(channel.subscribers);
    }
    return all;
  }

  @Override
  public int topics() {
    return lookup.size();
  }

  /** Sums without the hub's lock, so that metrics can read it from any thread. */
  @Override
  public int openSubscriptions() {
    int open = 0;
    for (Channel channel : lookup.values()) {
      open += channel.subscribers.size();
    }
    return open;
  }

  @Override
  public void onMessage(Message message) {
    Channel channel = lookup.get(message.topic());
    if (channel != null) {
      channel.deliverLive(message);
    }
  }

  @Override
  public void onReconnected() {
    metrics.reconnected();
  }

  @Override
  public void onRestored(Topic topic) {
    Channel channel = lookup.get(topic);
    if (channel != null) {
      channel.catchUp();
    }
  }

  /** The local state of one topic with subscribers. */
  final class Channel {
    final Topic topic;
    final Set<SubscriptionImpl> subscribers = ConcurrentHashMap.newKeySet();
    volatile CompletableFuture<Void> ready;

    /** Incremented at every restoration of the live feed; joins that straddle one catch up too. */
    volatile int epoch;

    // guarded by this
    private boolean catchingUp;
    private boolean catchUpAgain;
    private List<Message> held;

    Channel(Topic topic) {
      this.topic = topic;
    }

    synchronized void deliverLive(Message message) {
      if (catchingUp) {
        held.add(message);
        return;
      }
      fanOut(message);
    }

    /** Each subscription drops what is not after its own position, so a message is never seen twice. */
    private void fanOut(Message message) {
      for (SubscriptionImpl subscription : subscribers) {
        subscription.offer(message);
      }
    }

    /** Reads what the live feed may have missed from the buffer, holding live messages meanwhile. */
    void catchUp() {
      synchronized (this) {
        epoch++;
        if (catchingUp) {
          catchUpAgain = true;
          return;
        }
        catchingUp = true;
        held = new ArrayList<>();
      }
      readMissed(1);
    }

    private void readMissed(int attempt) {
      MessageId from = lowestPosition();
      if (from == null) {
        finishCatchUp(List.of());
        return;
      }
      transport.readAfter(topic, from).whenComplete((replay, failure) -> {
        if (failure != null) {
          if (attempt < CATCH_UP_ATTEMPTS) {
            scheduler.schedule(() -> readMissed(attempt + 1), CATCH_UP_RETRY_MILLIS, TimeUnit.MILLISECONDS);
          } else {
            log.warn("Cannot read topic '{}' from the buffer after the live feed was restored; closing its "
                + "subscribers so they resume", topic, failure);
            closeLive(CloseReason.UNAVAILABLE, failure);
            finishCatchUp(List.of());
          }
          return;
        }
        if (!replay.complete()) {
          log.warn("Messages of topic '{}' were lost while the live feed was down; closing its subscribers "
              + "so they resume with a gap signal", topic);
          closeLive(CloseReason.GAP, null);
          finishCatchUp(List.of());
          return;
        }
        finishCatchUp(replay.messages());
      });
    }

    private void finishCatchUp(List<Message> missed) {
      boolean again;
      synchronized (this) {
        for (Message message : missed) {
          fanOut(message);
        }
        for (Message message : held) {
          fanOut(message);
        }
        held = new ArrayList<>();
        again = catchUpAgain;
        catchUpAgain = false;
        if (!again) {
          catchingUp = false;
          held = null;
        }
      }
      if (again) {
        readMissed(1);
      }
    }

    /** The lowest position of the live subscribers: everything after it must reach them. */
    private /* @Nullable */ MessageId lowestPosition() {
      MessageId lowest = null;
      for (SubscriptionImpl subscription : subscribers) {
        MessageId position = subscription.position();
        if (position != null && (lowest == null || position.compareTo(lowest) < 0)) {
          lowest = position;
        }
      }
      return lowest;
    }

    private void closeLive(CloseReason reason, /* @Nullable */ Throwable cause) {
      for (SubscriptionImpl subscription : subscribers) {
        if (subscription.position() != null) {
          subscription.close(reason, cause);
        }
      }
    }
  }
}
