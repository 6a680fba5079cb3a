package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** A subscription listener that records what it receives, for tests to take one by one. */
public class RecordingListener implements SubscriptionListener {

  /** How long {@link #take()} waits by default. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  private final CompletableFuture<StreamStart> start = new CompletableFuture<>();
  private final CompletableFuture<CloseReason> closed = new CompletableFuture<>();
  private final AtomicInteger heartbeats = new AtomicInteger();

  @Override
  public void onStart(StreamStart start) {
    if (!this.start.complete(start)) {
      throw new AssertionError("onStart called twice");
    }
  }

  @Override
  public void onMessage(Message message) {
    if (closed.isDone()) {
      throw new AssertionError("message after close: " + message);
    }
    messages.add(message);
  }

  @Override
  public void onHeartbeat() {
    heartbeats.incrementAndGet();
  }

  @Override
  public void onClose(CloseReason reason, Throwable cause) {
    if (!closed.complete(reason)) {
      throw new AssertionError("onClose called twice");
    }
  }

  /** Waits for the start of the subscription. */
  public StreamStart awaitStart() {
    return start.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  /** Waits for the end of the subscription. */
  public CloseReason awaitClose() {
    return closed.orTimeout(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
  }

  /** Whether the subscription has ended. */
  public boolean isClosed() {
    return closed.isDone();
  }

  /** Takes the next message, failing when none arrives in time. */
  public Message take() {
    try {
      Message message = messages.poll(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      if (message == null) {
        throw new AssertionError("no message within " + TIMEOUT);
      }
      return message;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Takes the next {@code count} messages. */
  public List<Message> take(int count) {
    List<Message> taken = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      taken.add(take());
    }
    return taken;
  }

  /** Asserts nothing more was received. */
  public void assertExhausted() {
    assertThat(messages).isEmpty();
  }

  /** Everything received and not yet taken. */
  public List<Message> drain() {
    List<Message> rest = new ArrayList<>();
    messages.drainTo(rest);
    return rest;
  }

  /** The number of heartbeats received. */
  public int heartbeats() {
    return heartbeats.get();
  }
}
