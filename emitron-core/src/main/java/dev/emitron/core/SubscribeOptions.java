package dev.emitron.core;

import java.util.Objects;

/**
 * Where a new subscription starts: live only, after replaying the newest messages, or right after a
 * message id the client already has (a resume).
 *
 * <pre>{@code
 * SubscribeOptions.live();
 * SubscribeOptions.replay(10);
 * SubscribeOptions.resumeAfter(lastEventId);
 * }</pre>
 *
 * <p>Immutable and thread-safe; one instance may be used for any number of subscriptions.
 */
public final class SubscribeOptions {

  private static final SubscribeOptions LIVE = new SubscribeOptions(0, null);

  private final int replay;
  private final String resumeAfter;

  private SubscribeOptions(int replay, /* @Nullable */ String resumeAfter) {
    this.replay = replay;
    this.resumeAfter = resumeAfter;
  }

  /** Only messages published from now on. */
  public static SubscribeOptions live() {
    return LIVE;
  }

  /**
   * The newest {@code count} stored messages (at most the buffer size), oldest first, then live.
   *
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public static SubscribeOptions replay(int count) {
    if (count < 0) {
      throw new IllegalArgumentException("replay count must not be negative: " + count);
    }
    return count == 0 ? LIVE : new SubscribeOptions(count, null);
  }

  /**
   * Every stored message after {@code lastEventId}, then live. When the id is unknown, malformed or
   * older than what the buffer holds, the subscription starts with a gap
   * ({@link StreamStart#gap()}) and receives the whole buffer.
   */
  public static SubscribeOptions resumeAfter(String lastEventId) {
    return new SubscribeOptions(0, Objects.requireNonNull(lastEventId, "lastEventId"));
  }

  /** The number of newest messages to replay first; 0 for none. */
  public int replay() {
    return replay;
  }

  /** The id to resume after, or {@code null} when this is not a resume. */
  public /* @Nullable */ String resumeAfter() {
    return resumeAfter;
  }

  @Override
  public String toString() {
    return resumeAfter != null ? "resumeAfter(" + resumeAfter + ")" : replay > 0 ? "replay(" + replay + ")" : "live()";
  }
}
