package dev.emitron.core;

import java.util.Optional;

/**
 * The id of a message: {@code <epoch-millis>-<sequence>}, strictly increasing per topic.
 *
 * <p>Ids are assigned by the transport when a message is published (the Redis transport uses Redis
 * Stream ids; the in-memory transport the same form), so they are the same on every instance and keep
 * increasing across a buffer clear and a transport restart. Clients treat them as opaque strings.
 *
 * @param millis the millisecond part, never negative
 * @param sequence the sequence within that millisecond, never negative
 */
public record MessageId(long millis, long sequence) implements Comparable<MessageId> {

  /** The id before every other: the position of a topic that never had a message. */
  public static final MessageId ZERO = new MessageId(0, 0);

  /** Rejects negative parts. */
  public MessageId {
    if (millis < 0 || sequence < 0) {
      throw new IllegalArgumentException("message id parts must not be negative: " + millis + "-" + sequence);
    }
  }

  /**
   * Parses the text form {@code <millis>-<sequence>}: two decimal integers of at most 19 digits
   * joined by one hyphen, nothing else.
   *
   * @return the id, or empty when {@code text} is not an id emitron could have issued
   */
  public static Optional<MessageId> parse(String text) {
    int dash = text.indexOf('-');
    if (dash <= 0 || dash == text.length() - 1 || dash > 19 || text.length() - dash - 1 > 19) {
      return Optional.empty();
    }
    long millis = parsePart(text, 0, dash);
    long sequence = parsePart(text, dash + 1, text.length());
    if (millis < 0 || sequence < 0) {
      return Optional.empty();
    }
    return Optional.of(new MessageId(millis, sequence));
  }

  /** Parses ASCII digits; -1 for anything else or an overflow. */
  private static long parsePart(String text, int from, int to) {
    long value = 0;
    for (int i = from; i < to; i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
      if (value < 0) {
        return -1;
      }
    }
    return value;
  }

  /**
   * Returns the id a transport assigns next after {@code last} at time {@code nowMillis}: the current
   * millisecond with sequence 0, or {@code last}'s millisecond with the next sequence when the clock has
   * not moved past it (the same rule as Redis Streams).
   */
  public static MessageId next(MessageId last, long nowMillis) {
    if (nowMillis > last.millis) {
      return new MessageId(nowMillis, 0);
    }
    return new MessageId(last.millis, last.sequence + 1);
  }

  /** Returns true when this id comes after {@code other}. */
  public boolean isAfter(MessageId other) {
    return compareTo(other) > 0;
  }

  @Override
  public int compareTo(MessageId other) {
    int byMillis = Long.compare(millis, other.millis);
    return byMillis != 0 ? byMillis : Long.compare(sequence, other.sequence);
  }

  /** Returns the text form, {@code <millis>-<sequence>}. */
  @Override
  public String toString() {
    return millis + "-" + sequence;
  }
}
