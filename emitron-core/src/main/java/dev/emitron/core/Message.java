package dev.emitron.core;

import java.util.Objects;

/**
 * A published message as subscribers receive it: its topic, id, optional event name and its data as
 * compact JSON text.
 *
 * <p>Immutable and thread-safe. The SSE frame of a message is encoded at most once and the same bytes
 * are shared by every connection it is written to; do not modify the array {@link #frame()} returns.
 */
public final class Message {

  private final Topic topic;
  private final MessageId id;
  private final String event;
  private final String data;
  private volatile byte[] frame;

  /**
   * Creates a message.
   *
   * @param topic the topic it was published to
   * @param id the id the transport assigned
   * @param event the SSE event name, or {@code null} for the default {@code message} event
   * @param data the data as compact JSON text (one line)
   * @throws IllegalArgumentException if {@code event} is not a valid event name
   */
  public Message(Topic topic, MessageId id, /* @Nullable */ String event, String data) {
    this.topic = Objects.requireNonNull(topic, "topic");
    this.id = Objects.requireNonNull(id, "id");
    this.data = Objects.requireNonNull(data, "data");
    if (event != null) {
      String problem = EventNames.problem(event, true);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    this.event = event;
  }

  /** Returns the topic. */
  public Topic topic() {
    return topic;
  }

  /** Returns the id. */
  public MessageId id() {
    return id;
  }

  /** Returns the SSE event name, or {@code null} for the default {@code message} event. */
  public /* @Nullable */ String event() {
    return event;
  }

  /** Returns the data as compact JSON text. */
  public String data() {
    return data;
  }

  /** Returns the encoded SSE frame of this message ({@code id}, optional {@code event}, {@code data}). */
  public byte[] frame() {
    byte[] encoded = frame;
    if (encoded == null) {
      // A benign race: two threads may both encode, the result is the same.
      encoded = SseEncoder.event(id.toString(), event, data);
      frame = encoded;
    }
    return encoded;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Message other && topic.equals(other.topic) && id.equals(other.id)
        && Objects.equals(event, other.event) && data.equals(other.data);
  }

  @Override
  public int hashCode() {
    return Objects.hash(topic, id, event, data);
  }

  @Override
  public String toString() {
    return "Message{topic=" + topic + ", id=" + id + (event == null ? "" : ", event=" + event)
        + ", data=" + (data.length() > 64 ? data.substring(0, 64) + "..." : data) + "}";
  }
}
