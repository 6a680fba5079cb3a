package dev.emitron.core.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** Reads HTTP/1.1 responses byte by byte from a socket: the head, then a chunked or sized body. */
final class HttpWire {

  /**
   * The request target on the wire: {@code target} below the path of {@code base}, where the servlet is
   * mounted ({@code /sub/x} against {@code http://h:p/events/} is {@code /events/sub/x}); as is when
   * {@code base} has no path beyond {@code /} or {@code target} does not start with {@code /}.
   */
  static String onWire(java.net.URI base, String target) {
    String mount = base.getRawPath();
    if (mount == null || mount.isEmpty() || mount.equals("/") || !target.startsWith("/")) {
      return target;
    }
    return (mount.endsWith("/") ? mount.substring(0, mount.length() - 1) : mount) + target;
  }

  private static final int MAX_HEAD_BYTES = 64 * 1024;

  private HttpWire() {
  }

  /**
   * A response head.
   *
   * @param status the status code
   * @param raw the head as received, up to and without the blank line
   * @param headers header values by lower-case name, in order of arrival
   */
  record Head(int status, String raw, Map<String, List<String>> headers) {

    /* @Nullable */ String first(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    boolean chunked() {
      String te = first("transfer-encoding");
      return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    }

    long contentLength() {
      String cl = first("content-length");
      return cl == null ? -1 : Long.parseLong(cl.trim());
    }
  }

  static Head readHead(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(512);
    int matched = 0;
    while (matched < 4) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed before the response head ended: "
            + bytes.toString(StandardCharsets.ISO_8859_1));
      }
      bytes.write(b);
      matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
          ? matched + 1 : (b == '\r' ? 1 : 0);
      if (bytes.size() > MAX_HEAD_BYTES) {
        throw new IOException("response head larger than " + MAX_HEAD_BYTES + " bytes");
      }
    }
    String raw = bytes.toString(StandardCharsets.ISO_8859_1);
    raw = raw.substring(0, raw.length() - 4);
    String[] lines = raw.split("\r\n");
    String[] statusLine = lines[0].split(" ", 3);
    if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
      throw new IOException("not an HTTP response: " + lines[0]);
    }
    int status = Integer.parseInt(statusLine[1]);
    Map<String, List<String>> headers = new TreeMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon <= 0) {
        throw new IOException("malformed header line: " + lines[i]);
      }
      String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
      String value = lines[i].substring(colon + 1).trim();
      headers.computeIfAbsent(name, n -> new ArrayList<>()).add(value);
    }
    headers.replaceAll((name, values) -> Collections.unmodifiableList(values));
    return new Head(status, raw, Collections.unmodifiableMap(headers));
  }

  /** The body stream of a response: de-chunked, bounded by Content-Length, or up to the end. */
  static InputStream body(Head head, InputStream in) {
    if (head.chunked()) {
      return new ChunkedInputStream(in);
    }
    long length = head.contentLength();
    if (length >= 0) {
      return new BoundedInputStream(in, length);
    }
    return in;
  }

  static byte[] readAll(InputStream in) throws IOException {
    return in.readAllBytes();
  }

  /** Decodes {@code Transfer-Encoding: chunked}; returns end of stream after the last chunk. */
  static final class ChunkedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;
    private boolean done;
    /**
     * The CRLF after a chunk's data is read only when the next chunk is wanted: servers send it together
     * with the next chunk, so waiting for it would hold back the chunk just received.
     */
    private boolean crlfPending;

    ChunkedInputStream(InputStream in) {
      this.in = in;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (done) {
        return -1;
      }
      if (remaining == 0) {
        if (crlfPending) {
          crlfPending = false;
          if (!readLine().isEmpty()) {
            throw new IOException("chunk not followed by CRLF");
          }
        }
        String sizeLine = readLine();
        int semicolon = sizeLine.indexOf(';');
        String hex = (semicolon >= 0 ? sizeLine.substring(0, semicolon) : sizeLine).trim();
        remaining = Long.parseLong(hex, 16);
        if (remaining == 0) {
          while (!readLine().isEmpty()) {
            // trailers
          }
          done = true;
          return -1;
        }
      }
      int n = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (n < 0) {
        throw new EOFException("connection closed inside a chunk");
      }
      remaining -= n;
      crlfPending = remaining == 0;
      return n;
    }

    private String readLine() throws IOException {
      StringBuilder line = new StringBuilder();
      while (true) {
        int b = in.read();
        if (b < 0) {
          throw new EOFException("connection closed inside chunk framing");
        }
        if (b == '\n') {
          int end = line.length();
          return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
        }
        line.append((char) b);
      }
    }
  }

  /** At most {@code length} bytes of the underlying stream. */
  static final class BoundedInputStream extends InputStream {
    private final InputStream in;
    private long remaining;

    BoundedInputStream(InputStream in, long length) {
      this.in = in;
      this.remaining = length;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(buffer, offset, (int) Math.min(length, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
