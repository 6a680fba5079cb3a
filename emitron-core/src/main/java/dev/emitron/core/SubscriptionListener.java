package dev.emitron.core;

/**
 * Receives what a subscription delivers.
 *
 * <p>Lifecycle: {@link #onStart} once, then {@link #onMessage} and {@link #onHeartbeat} any number of
 * times, then {@link #onClose} exactly once. If the subscription cannot start, only {@link #onClose} is
 * called. Calls are made one at a time, never concurrently, and none after {@link #onClose}.
 *
 * <p>Callbacks run on emitron's and the transport's threads (for Redis, Lettuce's event loop): they must
 * return quickly and never block. Hand slow work to your own executor. An exception thrown by a callback
 * closes this subscription with {@link CloseReason#LISTENER_FAILED} and never reaches other subscribers.
 */
public interface SubscriptionListener {

  /** The subscription's position is known; stored messages (if any) and live ones follow. */
  default void onStart(StreamStart start) {
  }

  /** A message, in id order, each at most once. */
  void onMessage(Message message);

  /** Nothing was delivered for the heartbeat interval; a chance to keep an idle connection alive. */
  default void onHeartbeat() {
  }

  /**
   * The subscription ended.
   *
   * @param reason why
   * @param cause the failure behind it, or {@code null}
   */
  default void onClose(CloseReason reason, /* @Nullable */ Throwable cause) {
  }
}
