package dev.emitron.core;

/**
 * How a subscription started; passed to {@link SubscriptionListener#onStart} before any message.
 *
 * @param resumed whether the subscription asked to resume after an id
 * @param recovered for a resume, whether it is known to be gapless; {@code true} otherwise
 * @param requestedId the id the resume asked for, or {@code null}
 * @param oldest the oldest id the buffer held when the subscription started, or {@code null} if empty
 * @param position the topic's head when the subscription started: every message after it arrives live
 * @param replayed how many stored messages follow before the live ones
 */
public record StreamStart(boolean resumed, boolean recovered, /* @Nullable */ String requestedId,
    /* @Nullable */ MessageId oldest, MessageId position, int replayed) {

  /** Returns true when messages the client asked for may be missing: a resume that is not recovered. */
  public boolean gap() {
    return resumed && !recovered;
  }
}
