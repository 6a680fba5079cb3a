package dev.emitron.redis;

import dev.emitron.core.Emitron;
import dev.emitron.core.SubscribeOptions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emitron.core.CloseReason;
import dev.emitron.core.Message;
import dev.emitron.core.StreamStart;
import dev.emitron.core.SubscriptionListener;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A recording subscriber: every callback goes on a blocking queue that the test takes from with a
 * timeout, in order. Heartbeats are not recorded.
 */
public final class Recorder implements SubscriptionListener {

  /** How long a take waits by default. */
  public static final Duration TIMEOUT = Duration.ofSeconds(10);

  /** The end of a subscription. */
  public record Closed(CloseReason reason, /* @Nullable */ Throwable cause) {
  }

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  /** Subscribes a new recorder, adding the subscription to {@code closeables} for the test to close. */
  public static Recorder subscribe(Emitron emitron, String topic, SubscribeOptions options,
      List<AutoCloseable> closeables) {
    Recorder recorder = new Recorder();
    closeables.add(emitron.subscribe(topic, options, recorder));
    return recorder;
  }

  @Override
  public void onStart(StreamStart start) {
    events.add(start);
  }

  @Override
  public void onMessage(Message message) {
    events.add(message);
  }

  @Override
  public void onClose(CloseReason reason, /* @Nullable */ Throwable cause) {
    events.add(new Closed(reason, cause));
  }

  /** Takes the next event, failing after the timeout. */
  public Object take(Duration timeout) {
    try {
      Object event = events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(event).as("an event within %s", timeout).isNotNull();
      return event;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Takes the start of the stream. */
  public StreamStart takeStart() {
    Object event = take(TIMEOUT);
    assertThat(event).as("the stream start").isInstanceOf(StreamStart.class);
    return (StreamStart) event;
  }

  /** Takes the next message. */
  public Message takeMessage() {
    Object event = take(TIMEOUT);
    assertThat(event).as("a message").isInstanceOf(Message.class);
    return (Message) event;
  }

  /** Takes the next {@code count} messages. */
  public List<Message> takeMessages(int count) {
    List<Message> messages = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      messages.add(takeMessage());
    }
    return messages;
  }

  /** Takes the end of the subscription. */
  public Closed takeClose() {
    Object event = take(TIMEOUT);
    assertThat(event).as("the end of the subscription").isInstanceOf(Closed.class);
    return (Closed) event;
  }

  /** Takes the next event, or returns {@code null} when none came within {@code timeout}. */
  public /* @Nullable */ Object poll(Duration timeout) {
    try {
      return events.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Asserts that nothing more was recorded. */
  public void assertExhausted() {
    assertThat(events).as("events not taken").isEmpty();
  }
}
