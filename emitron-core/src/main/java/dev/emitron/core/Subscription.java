package dev.emitron.core;

/**
 * An open subscription to one topic, returned by {@link Emitron#subscribe}. Thread-safe.
 *
 * <p>Closing it stops delivery and releases what it holds; the instance drops its transport subscription
 * to the topic when the last local subscriber leaves. {@link #close()} is idempotent.
 */
public interface Subscription extends AutoCloseable {

  /** The topic. */
  Topic topic();

  /** Whether the subscription is still open. */
  boolean isOpen();

  /** Closes with {@link CloseReason#CLOSED}. */
  @Override
  void close();

  /** Closes with the given reason; no-op when already closed. */
  void close(CloseReason reason);
}
