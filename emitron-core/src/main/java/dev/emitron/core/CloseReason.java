package dev.emitron.core;

/** Why a subscription ended; passed to {@link SubscriptionListener#onClose}. */
public enum CloseReason {
  /** {@link Subscription#close()} was called. */
  CLOSED,
  /** The subscriber could not keep up and was cut; it should resume with its last event id. */
  SLOW_CONSUMER,
  /** Messages were lost in the transport and cannot be read back; the subscriber should resume. */
  GAP,
  /** The transport could not be reached to start or continue the subscription. */
  UNAVAILABLE,
  /** The listener threw. */
  LISTENER_FAILED,
  /** Emitron was closed. */
  SHUTDOWN
}
