package dev.emitron.core.testing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An incremental parser of a {@code text/event-stream}, following the WHATWG HTML "Parsing an event
 * stream" and "Interpreting an event stream" sections to the letter, so that tests see exactly what a
 * browser's {@code EventSource} would.
 *
 * <ul>
 *   <li>The stream is UTF-8; one leading byte order mark is dropped; invalid bytes become U+FFFD.</li>
 *   <li>Lines end at CR, LF or CRLF, also when the CR ends one {@link #feed} and the LF starts the next.</li>
 *   <li>An empty line dispatches the event. A line starting with {@code :} is a comment. Otherwise the
 *       field name runs to the first colon and one leading space of the value is dropped; a line without
 *       a colon is a field with an empty value. Field names are case-sensitive; unknown ones are ignored.</li>
 *   <li>{@code data} appends the value and an LF; {@code event} sets the type; {@code id} sets the last
 *       event id buffer unless the value contains NUL; {@code retry} sets the reconnection time when the
 *       value is only ASCII digits (an empty value is ignored).</li>
 *   <li>Dispatch first sets the source's last event id from the buffer, so a block with only an
 *       {@code id} changes the last event id without dispatching; then, when the data buffer is empty,
 *       nothing is dispatched; otherwise the final LF is dropped and the event is dispatched with type
 *       {@code message} when no {@code event} field was given.</li>
 *   <li>At the end of the stream an incomplete line and an undispatched event are discarded
 *       ({@link #end()}).</li>
 * </ul>
 *
 * <p>The spec initialises the last event id buffer of each new stream to the empty string; browsers
 * (Chromium, Gecko) seed it with the source's current last event id, so that a reconnect that receives
 * no {@code id} does not forget it. This reader takes the seed as a constructor argument; pass the empty
 * string for a fresh source. Not thread-safe: one thread feeds it.
 */
public final class SseEventReader {

  /** Receives what the reader dispatches, on the thread that calls {@link #feed}. */
  public interface Listener {
    /** A dispatched event. */
    void onEvent(SseEvent event);

    /** A comment line; {@code text} is what follows the colon, unchanged. */
    default void onComment(String text) {
    }

    /** A valid {@code retry} field: the new reconnection time. */
    default void onRetry(long millis) {
    }
  }

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final Listener listener;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream(256);
  private boolean afterCr;
  private boolean firstLine = true;

  private final StringBuilder data = new StringBuilder();
  private String eventType = "";
  private String lastEventIdBuffer;
  private String lastEventId;
  private long reconnectionTime = -1;

  /** A reader for a fresh source: the last event id starts empty. */
  public SseEventReader(Listener listener) {
    this(listener, "");
  }

  /**
   * A reader for a new stream of a source whose last event id is {@code lastEventId}, as browsers do on
   * reconnect.
   */
  public SseEventReader(Listener listener, String lastEventId) {
    this.listener = Objects.requireNonNull(listener, "listener");
    this.lastEventId = Objects.requireNonNull(lastEventId, "lastEventId");
    this.lastEventIdBuffer = lastEventId;
  }

  /** The source's last event id: set at each dispatch from the last {@code id} field seen. */
  public String lastEventId() {
    return lastEventId;
  }

  /** The last valid {@code retry} value, or -1 when none was received. */
  public long reconnectionTime() {
    return reconnectionTime;
  }

  /** Feeds the next bytes of the stream. */
  public void feed(byte[] bytes) {
    feed(bytes, 0, bytes.length);
  }

  /** Feeds {@code length} bytes of {@code bytes} from {@code offset}. */
  public void feed(byte[] bytes, int offset, int length) {
    for (int i = offset; i < offset + length; i++) {
      byte b = bytes[i];
      if (b == CR) {
        endLine();
        afterCr = true;
      } else if (b == LF) {
        if (!afterCr) {
          endLine();
        }
        afterCr = false;
      } else {
        line.write(b);
        afterCr = false;
      }
    }
  }

  /** The stream ended: an incomplete line and an undispatched event are discarded. */
  public void end() {
    line.reset();
    data.setLength(0);
    eventType = "";
    afterCr = false;
  }

  private void endLine() {
    byte[] bytes = line.toByteArray();
    line.reset();
    int start = 0;
    if (firstLine) {
      firstLine = false;
      if (bytes.length >= 3 && (bytes[0] & 0xff) == 0xEF && (bytes[1] & 0xff) == 0xBB && (bytes[2] & 0xff) == 0xBF) {
        start = 3;
      }
    }
    processLine(new String(bytes, start, bytes.length - start, StandardCharsets.UTF_8));
  }

  private void processLine(String text) {
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      listener.onComment(text.substring(1));
      return;
    }
    int colon = text.indexOf(':');
    String field;
    String value;
    if (colon >= 0) {
      field = text.substring(0, colon);
      value = text.substring(colon + 1);
      if (value.startsWith(" ")) {
        value = value.substring(1);
      }
    } else {
      field = text;
      value = "";
    }
    switch (field) {
      case "event" -> eventType = value;
      case "data" -> data.append(value).append('\n');
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventIdBuffer = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
          // Values beyond a long are clamped: no real server sends them and browsers cap them too.
          reconnectionTime = value.length() > 18 ? Long.MAX_VALUE : Long.parseLong(value);
          listener.onRetry(reconnectionTime);
        }
      }
      default -> {
        // Unknown fields are ignored.
      }
    }
  }

  private void dispatch() {
    lastEventId = lastEventIdBuffer;
    if (data.length() == 0) {
      eventType = "";
      return;
    }
    String text = data.charAt(data.length() - 1) == '\n'
        ? data.substring(0, data.length() - 1) : data.toString();
    SseEvent event = new SseEvent(eventType.isEmpty() ? "message" : eventType, text, lastEventId);
    data.setLength(0);
    eventType = "";
    listener.onEvent(event);
  }
}
