package dev.emitron.core;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Encodes Server-Sent Events frames as UTF-8 bytes, following the WHATWG HTML "server-sent events"
 * grammar.
 *
 * <p>Data is split on every line terminator the spec knows (CR, LF and CRLF) into one {@code data:} line
 * each, so no content can end a field early or start a new one. Ids, event names and comments cannot
 * hold a line terminator at all: they are rejected rather than silently altered. An id must not contain
 * NUL either, because clients ignore such an id.
 *
 * <pre>{@code
 * byte[] frame = SseEncoder.event("1733212800000-0", null, "{\"title\":\"hello\"}");
 * // id: 1733212800000-0\ndata: {"title":"hello"}\n\n
 * }</pre>
 *
 * <p>Stateless: every method is thread-safe and returns a new array that the caller owns. Applications
 * rarely need it; the servlet and {@link Message#frame()} use it.
 */
public final class SseEncoder {

  private SseEncoder() {
  }

  /**
   * Encodes an event.
   *
   * @param id the {@code id} field, or {@code null} for none
   * @param event the {@code event} field, or {@code null} for the default event
   * @param data the data; each of its lines becomes one {@code data:} line
   * @throws IllegalArgumentException if {@code id} or {@code event} holds CR, LF or NUL
   */
  public static byte[] event(/* @Nullable */ String id, /* @Nullable */ String event, String data) {
    StringBuilder out = new StringBuilder(data.length() + 64);
    if (id != null) {
      requireSingleLine("id", id);
      if (id.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("id must not contain NUL");
      }
      out.append("id: ").append(id).append('\n');
    }
    if (event != null) {
      requireSingleLine("event", event);
      out.append("event: ").append(event).append('\n');
    }
    appendData(out, data);
    out.append('\n');
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Encodes a frame with only an {@code id} field. Conforming clients set their last event id from it
   * without dispatching an event, so a client that has received no message yet still resumes from here.
   */
  public static byte[] lastEventId(String id) {
    requireSingleLine("id", id);
    return ("id: " + id + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Encodes a comment line, ignored by clients; used for heartbeats. */
  public static byte[] comment(String text) {
    requireSingleLine("comment", text);
    return (": " + text + "\n").getBytes(StandardCharsets.UTF_8);
  }

  /** Encodes a {@code retry} field: the reconnection delay a client should use, in milliseconds. */
  public static byte[] retry(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("retry must not be negative: " + millis);
    }
    return ("retry: " + millis + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void appendData(StringBuilder out, String data) {
    int start = 0;
    int i = 0;
    while (i < data.length()) {
      char c = data.charAt(i);
      if (c == '\r' || c == '\n') {
        out.append("data: ").append(data, start, i).append('\n');
        i += (c == '\r' && i + 1 < data.length() && data.charAt(i + 1) == '\n') ? 2 : 1;
        start = i;
      } else {
        i++;
      }
    }
    out.append("data: ").append(data, start, data.length()).append('\n');
  }

  private static void requireSingleLine(String field, String value) {
    if (value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0) {
      throw new IllegalArgumentException(field + " must not contain CR or LF");
    }
  }

  /** Concatenates frames; used to write several frames in one go. */
  static byte[] concat(byte[]... frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] frame : frames) {
      out.writeBytes(frame);
    }
    return out.toByteArray();
  }
}
