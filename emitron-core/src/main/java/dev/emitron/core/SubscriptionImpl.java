package dev.emitron.core;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One subscriber. It joins in two steps: it is added to the topic's channel (so live messages are held
 * for it) before the buffer is read; then it receives what was read and the held live messages, each only
 * if its id is after the last one it received. That rule makes the seam between replay and live gapless
 * and duplicate-free.
 */
final class SubscriptionImpl implements Subscription {

  private static final Logger log = LoggerFactory.getLogger(SubscriptionImpl.class);

  private enum State { JOINING, LIVE, CLOSED }

  private final Topic topic;
  private final SubscriptionListener listener;
  private final Emitron emitron;
  private final int maxHeld;

  // guarded by this
  private State state = State.JOINING;
  private List<Message> held = new ArrayList<>();

  /** The id of the last message delivered (or the join position); null while joining. */
  private volatile MessageId position;
  private volatile long lastActivityNanos = System.nanoTime();

  SubscriptionImpl(Topic topic, SubscriptionListener listener, Emitron emitron, int maxHeld) {
    this.topic = topic;
    this.listener = listener;
    this.emitron = emitron;
    this.maxHeld = maxHeld;
  }

  @Override
  public Topic topic() {
    return topic;
  }

  @Override
  public synchronized boolean isOpen() {
    return state != State.CLOSED;
  }

  /* @Nullable */ MessageId position() {
    return position;
  }

  /** A live (or caught-up) message of the topic. */
  synchronized void offer(Message message) {
    switch (state) {
      case JOINING -> {
        if (held.size() >= maxHeld) {
          closeLocked(CloseReason.SLOW_CONSUMER, null);
        } else {
          held.add(message);
        }
      }
      case LIVE -> deliver(message);
      case CLOSED -> { }
    }
  }

  /** The buffer was read: start the stream, deliver the stored messages, then the held live ones. */
  void start(StreamStart start, List<Message> stored) {
    synchronized (this) {
      if (state != State.JOINING) {
        return;
      }
      if (!call(() -> listener.onStart(start))) {
        return;
      }
      if (start.gap()) {
        emitron.metrics().gapSignalled();
      }
      for (Message message : stored) {
        if (deliver(message)) {
          emitron.metrics().replayed();
        }
        if (state == State.CLOSED) {
          return;
        }
      }
      if (position == null || start.position().isAfter(position)) {
        position = start.position();
      }
      state = State.LIVE;
      List<Message> live = held;
      held = null;
      for (Message message : live) {
        deliver(message);
        if (state == State.CLOSED) {
          return;
        }
      }
      emitron.heartbeats().add(this);
    }
  }

  /** Hands a message to the listener unless it is not after the last one; returns whether it did. */
  private boolean deliver(Message message) {
    MessageId last = position;
    if (last != null && !message.id().isAfter(last)) {
      return false;
    }
    position = message.id();
    lastActivityNanos = System.nanoTime();
    emitron.metrics().delivered();
    return call(() -> listener.onMessage(message));
  }

  /** Sends a heartbeat if nothing was delivered for {@code intervalNanos}. */
  void beatIfIdle(long now, long intervalNanos) {
    // Read without the lock first: the sweep passes every stream, and most are not due.
    if (now - lastActivityNanos < intervalNanos) {
      return;
    }
    synchronized (this) {
      if (state == State.LIVE && now - lastActivityNanos >= intervalNanos) {
        lastActivityNanos = now;
        call(listener::onHeartbeat);
      }
    }
  }

  /** Runs a listener callback; a failure closes this subscription only. */
  private boolean call(Runnable callback) {
    try {
      callback.run();
      return true;
    } catch (RuntimeException | Error e) {
      log.warn("Subscriber of topic '{}' failed; closing it", topic, e);
      closeLocked(CloseReason.LISTENER_FAILED, e);
      return false;
    }
  }

  @Override
  public void close() {
    close(CloseReason.CLOSED);
  }

  @Override
  public void close(CloseReason reason) {
    close(reason, null);
  }

  void close(CloseReason reason, /* @Nullable */ Throwable cause) {
    synchronized (this) {
      closeLocked(reason, cause);
    }
  }

  private void closeLocked(CloseReason reason, /* @Nullable */ Throwable cause) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    held = null;
    emitron.heartbeats().remove(this);
    emitron.hub().leave(this);
    emitron.metrics().closed(reason);
    try {
      listener.onClose(reason, cause);
    } catch (RuntimeException e) {
      log.warn("Subscriber of topic '{}' failed while closing", topic, e);
    }
  }

  @Override
  public String toString() {
    return "Subscription{topic=" + topic + ", position=" + position + "}";
  }
}
