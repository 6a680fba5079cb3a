package dev.emitron.core.testing;

import java.util.Objects;

/**
 * One event dispatched by an {@link SseEventReader}, as a browser's {@code MessageEvent} would show it.
 *
 * @param type the event type: the last {@code event} field of the block, or {@code message}
 * @param data the {@code data} lines of the block joined with LF
 * @param lastEventId the source's last event id when the event was dispatched (an {@code id} field of
 *     this block or an earlier one)
 */
public record SseEvent(String type, String data, String lastEventId) {

  /** Checks for nulls. */
  public SseEvent {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(lastEventId, "lastEventId");
  }

  /** The id the event carries: its {@link #lastEventId()}. */
  public String id() {
    return lastEventId;
  }
}
