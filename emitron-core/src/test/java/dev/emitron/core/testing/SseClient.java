package dev.emitron.core.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A Server-Sent Events client for tests that behaves like a browser's {@code EventSource}: it opens
 * {@code GET} over a plain socket (the request target goes on the wire exactly as given), parses the
 * stream with {@link SseEventReader}, keeps the last event id across connections, and on
 * {@link #reconnect()} sends it as {@code Last-Event-ID}. Events, comments and the end of the stream are
 * recorded on blocking queues, so tests wait on them instead of sleeping.
 *
 * <pre>{@code
 * try (SseClient client = SseClient.connect(server.uri(), "/sub/news?replay=10")) {
 *   assertEquals(200, client.status());
 *   SseEvent first = client.takeEvent();
 *   client.assertExhausted();
 * }
 * }</pre>
 *
 * <p>A test thread calls its methods; one reader thread per connection fills the queues. A response
 * other than {@code 200 text/event-stream} is read whole and available from {@link #body()}.
 */
public final class SseClient implements AutoCloseable {

  /** How long {@link #takeEvent()} and {@link #takeComment()} wait by default. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

  private static final Object END = new Object();

  /**
   * A comment line and when it arrived.
   *
   * @param text the comment without the leading colon and one leading space
   * @param nanos {@link System#nanoTime()} when it was parsed
   */
  public record Comment(String text, long nanos) {
  }

  private final URI base;
  private final String target;
  private final Map<String, String> headers;

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final BlockingQueue<Object> comments = new LinkedBlockingQueue<>();
  private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
  private final Object progress = new Object();

  private volatile String lastEventId;
  private volatile long retry = -1;
  private volatile HttpWire.Head head;
  private volatile byte[] body;
  private volatile Socket socket;
  private volatile Thread readerThread;
  private volatile Throwable readFailure;
  private volatile boolean closed;
  private int connections;

  private SseClient(URI base, String target, Map<String, String> headers, String lastEventId) {
    this.base = base;
    this.target = target;
    this.headers = headers;
    this.lastEventId = lastEventId;
  }

  /**
   * Opens a stream to {@code target} (path and query, sent as is below {@code base}'s path, where the
   * servlet is mounted) of the server at {@code base}.
   */
  public static SseClient connect(URI base, String target) {
    return connect(base, target, Map.of());
  }

  /**
   * Opens a stream with extra request headers. A {@code Last-Event-ID} header among them is sent on this
   * connection only, as a first connect with a stored id would; later reconnects send the id the stream
   * set, as browsers do.
   */
  public static SseClient connect(URI base, String target, Map<String, String> headers) {
    Map<String, String> kept = new LinkedHashMap<>();
    String initialId = null;
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase("Last-Event-ID")) {
        initialId = header.getValue();
      } else {
        kept.put(header.getKey(), header.getValue());
      }
    }
    SseClient client = new SseClient(base, target, Map.copyOf(kept), "");
    client.open(initialId);
    return client;
  }

  private void open(/* @Nullable */ String sendLastEventId) {
    StringBuilder request = new StringBuilder("GET ").append(HttpWire.onWire(base, target)).append(" HTTP/1.1\r\n")
        .append("Host: ").append(base.getHost()).append(':').append(base.getPort()).append("\r\n")
        .append("Accept: text/event-stream\r\n")
        .append("Cache-Control: no-cache\r\n");
    headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
    if (sendLastEventId != null) {
      request.append("Last-Event-ID: ").append(sendLastEventId).append("\r\n");
    }
    request.append("\r\n");
    Socket s = new Socket();
    try {
      s.connect(new InetSocketAddress(base.getHost(), base.getPort()), 10_000);
      s.setSoTimeout(15_000);
      OutputStream out = s.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.UTF_8));
      out.flush();
      InputStream in = new BufferedInputStream(s.getInputStream());
      HttpWire.Head h = HttpWire.readHead(in);
      this.head = h;
      this.socket = s;
      connections++;
      InputStream stream = HttpWire.body(h, in);
      String type = h.first("content-type");
      if (h.status() != 200 || type == null || !type.toLowerCase(Locale.ROOT).startsWith("text/event-stream")) {
        body = HttpWire.readAll(stream);
        s.close();
        events.add(END);
        return;
      }
      body = null;
      s.setSoTimeout(0);
      SseEventReader reader = new SseEventReader(new Recorder(), lastEventId);
      Thread thread = new Thread(() -> read(stream, reader, s), "sse-client " + target);
      thread.setDaemon(true);
      readerThread = thread;
      thread.start();
    } catch (IOException e) {
      try {
        s.close();
      } catch (IOException ignored) {
        // nothing more to release
      }
      throw new UncheckedIOException("cannot open " + target + " on " + base, e);
    }
  }

  private final class Recorder implements SseEventReader.Listener {
    @Override
    public void onEvent(SseEvent event) {
      lastEventId = event.lastEventId();
      events.add(event);
    }

    @Override
    public void onComment(String text) {
      comments.add(new Comment(text.startsWith(" ") ? text.substring(1) : text, System.nanoTime()));
    }

    @Override
    public void onRetry(long millis) {
      retry = millis;
    }
  }

  private void read(InputStream stream, SseEventReader reader, Socket s) {
    byte[] buffer = new byte[8192];
    try {
      int n;
      while ((n = stream.read(buffer)) >= 0) {
        synchronized (raw) {
          raw.write(buffer, 0, n);
        }
        reader.feed(buffer, 0, n);
        synchronized (progress) {
          lastEventId = reader.lastEventId();
          progress.notifyAll();
        }
      }
    } catch (IOException e) {
      if (!s.isClosed()) {
        readFailure = e;
      }
    } catch (RuntimeException | Error e) {
      readFailure = e;
    } finally {
      reader.end();
      synchronized (progress) {
        lastEventId = reader.lastEventId();
        progress.notifyAll();
      }
      events.add(END);
      comments.add(END);
      try {
        s.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  /** The status of the current connection's response. */
  public int status() {
    return head.status();
  }

  /** The first value of a response header of the current connection (case-insensitive), or null. */
  public /* @Nullable */ String header(String name) {
    return head.first(name);
  }

  /** Every response header of the current connection, by lower-case name. */
  public Map<String, List<String>> headers() {
    return head.headers();
  }

  /** The response head as received, for failure messages. */
  public String rawHead() {
    return head.raw();
  }

  /** The body of a response that is not an event stream, as UTF-8; {@code null} for a stream. */
  public /* @Nullable */ String body() {
    byte[] b = body;
    return b == null ? null : new String(b, StandardCharsets.UTF_8);
  }

  /** Everything the event streams of this client carried so far (de-chunked), as UTF-8. */
  public String rawStream() {
    synchronized (raw) {
      return raw.toString(StandardCharsets.UTF_8);
    }
  }

  /** The last event id, as a browser's {@code EventSource} keeps it; empty when none was set. */
  public String lastEventId() {
    return lastEventId;
  }

  /**
   * Waits until the last event id is not empty (an event or an id-only frame set it) and returns it.
   */
  public String awaitLastEventId(Duration timeout) {
    awaitProgress(() -> !lastEventId.isEmpty(), timeout, "a last event id");
    return lastEventId;
  }

  /** Waits until a {@code retry} field was received and returns its value. */
  public long awaitRetry(Duration timeout) {
    awaitProgress(() -> retry >= 0, timeout, "a retry field");
    return retry;
  }

  private void awaitProgress(java.util.function.BooleanSupplier done, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progress) {
      while (!done.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || ended()) {
          if (done.getAsBoolean()) {
            return;
          }
          fail("no " + what + " within " + timeout + " on " + target + failureText());
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(progress, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail("interrupted");
        }
      }
    }
  }

  /** The last {@code retry} value received, or -1. */
  public long retry() {
    return retry;
  }

  /** The number of connections opened so far. */
  public int connections() {
    return connections;
  }

  /** Takes the next event, waiting up to {@link #DEFAULT_TIMEOUT}; fails if none comes. */
  public SseEvent takeEvent() {
    return takeEvent(DEFAULT_TIMEOUT);
  }

  /** Takes the next event; fails when none arrives within {@code timeout} or the stream ended first. */
  public SseEvent takeEvent(Duration timeout) {
    Object item = poll(events, timeout);
    if (item == null) {
      return fail("no event within " + timeout + " on " + target + " (last event id '" + lastEventId + "')");
    }
    if (item == END) {
      events.add(END);
      return fail("the stream of " + target + " ended before the next event" + failureText());
    }
    return (SseEvent) item;
  }

  /** Takes the next {@code count} events. */
  public List<SseEvent> takeEvents(int count) {
    List<SseEvent> taken = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      taken.add(takeEvent());
    }
    return taken;
  }

  /** Takes the next comment; fails when none arrives within {@code timeout}. */
  public Comment takeComment(Duration timeout) {
    Object item = poll(comments, timeout);
    if (item == null) {
      return fail("no comment within " + timeout + " on " + target);
    }
    if (item == END) {
      comments.add(END);
      return fail("the stream of " + target + " ended before the next comment" + failureText());
    }
    return (Comment) item;
  }

  /** Takes the next comment, waiting up to {@link #DEFAULT_TIMEOUT}. */
  public Comment takeComment() {
    return takeComment(DEFAULT_TIMEOUT);
  }

  /** Fails if an event was received and not taken. Comments (heartbeats) are not events. */
  public void assertExhausted() {
    Object next = events.peek();
    if (next != null && next != END) {
      fail("unexpected event on " + target + ": " + next);
    }
    if (readFailure != null) {
      fail("reading " + target + " failed" + failureText());
    }
  }

  /** Waits until the server ends the current stream; fails after {@code timeout}. */
  public void awaitEnd(Duration timeout) {
    Thread thread = readerThread;
    if (thread == null) {
      return;
    }
    try {
      thread.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      fail("interrupted");
    }
    if (thread.isAlive()) {
      fail("the stream of " + target + " did not end within " + timeout);
    }
  }

  /** Whether the current stream ended (closed by either side). */
  public boolean ended() {
    Thread thread = readerThread;
    return thread == null || !thread.isAlive();
  }

  /** Drops the connection without a word, as a network failure would; the recorded state stays. */
  public void disconnect() {
    Socket s = socket;
    if (s != null) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing is all we want
      }
    }
    Thread thread = readerThread;
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        throw new IllegalStateException("reader of " + target + " did not stop");
      }
    }
    readerThread = null;
  }

  /**
   * Reconnects as a browser does: drops the current connection and opens the same target, sending the
   * last event id as {@code Last-Event-ID} unless it is empty. Events not yet taken stay queued.
   */
  public SseClient reconnect() {
    disconnect();
    events.remove(END);
    comments.remove(END);
    readFailure = null;
    String id = lastEventId;
    open(id.isEmpty() ? null : id);
    return this;
  }

  private String failureText() {
    Throwable failure = readFailure;
    return failure == null ? "" : ": " + failure;
  }

  private static Object poll(BlockingQueue<Object> queue, Duration timeout) {
    try {
      return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** Closes the connection; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    disconnect();
  }

  @Override
  public String toString() {
    return "SseClient{" + target + ", lastEventId=" + lastEventId + "}";
  }
}
