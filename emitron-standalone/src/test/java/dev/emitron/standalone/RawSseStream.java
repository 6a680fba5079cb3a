package dev.emitron.standalone;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * An SSE stream read over a raw socket, so that a test sees exactly how the response ends: with the
 * chunked terminator ({@code 0\r\n\r\n}) after complete frames, or cut off. A daemon thread decodes the
 * chunked body as it arrives.
 */
final class RawSseStream implements AutoCloseable {

  /** How the response ended. */
  enum End {
    /** Still open. */
    OPEN,
    /** The chunked terminator arrived. */
    TERMINATED,
    /** The connection closed or failed before the terminator. */
    CUT
  }

  private final Socket socket;
  private final StringBuilder body = new StringBuilder();
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile int status;
  private volatile String head = "";
  private volatile End end = End.OPEN;
  private volatile String failure;

  private RawSseStream(Socket socket) {
    this.socket = socket;
  }

  /** Opens {@code GET <path>} on {@code 127.0.0.1:<port>} and starts reading. */
  static RawSseStream open(int port, String path) throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(60_000);
    OutputStream out = socket.getOutputStream();
    out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    RawSseStream stream = new RawSseStream(socket);
    Thread reader = new Thread(stream::read, "sse-" + socket.getLocalPort());
    reader.setDaemon(true);
    reader.start();
    return stream;
  }

  private void read() {
    try (InputStream in = new BufferedInputStream(socket.getInputStream())) {
      StringBuilder headers = new StringBuilder();
      String line = readLine(in);
      status = Integer.parseInt(line.split(" ")[1]);
      while (!(line = readLine(in)).isEmpty()) {
        headers.append(line).append('\n');
      }
      head = headers.toString();
      if (!head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        throw new IOException("not a chunked response: " + head);
      }
      while (true) {
        String sizeLine = readLine(in);
        int semicolon = sizeLine.indexOf(';');
        int size = Integer.parseInt((semicolon < 0 ? sizeLine : sizeLine.substring(0, semicolon)).trim(), 16);
        if (size == 0) {
          while (!readLine(in).isEmpty()) {
            // trailers
          }
          end = End.TERMINATED;
          return;
        }
        byte[] chunk = in.readNBytes(size);
        if (chunk.length < size) {
          throw new IOException("end of stream inside a chunk");
        }
        synchronized (body) {
          body.append(new String(chunk, StandardCharsets.UTF_8));
        }
        if (!readLine(in).isEmpty()) {
          throw new IOException("no CRLF after a chunk");
        }
      }
    } catch (IOException | RuntimeException e) {
      failure = e.toString();
      end = End.CUT;
    } finally {
      ended.countDown();
    }
  }

  /** Reads one CRLF-terminated line; an end of stream before the CRLF is an error. */
  private static String readLine(InputStream in) throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int previous = -1;
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("end of stream" + (line.size() > 0 ? " inside a line" : ""));
      }
      if (previous == '\r' && b == '\n') {
        byte[] bytes = line.toByteArray();
        return new String(bytes, 0, bytes.length - 1, StandardCharsets.US_ASCII);
      }
      line.write(b);
      previous = b;
    }
  }

  /** The response status, or 0 before the status line arrived. */
  int status() {
    return status;
  }

  /** The decoded body received so far. */
  String body() {
    synchronized (body) {
      return body.toString();
    }
  }

  /** How the response ended so far. */
  End end() {
    return end;
  }

  /** Why the stream was cut, or {@code null}. */
  String failure() {
    return failure;
  }

  /** Waits until the response ended, one way or the other; returns false on timeout. */
  boolean awaitEnd(long millis) throws InterruptedException {
    return ended.await(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  @Override
  public String toString() {
    return "stream " + end + (failure == null ? "" : " (" + failure + ")") + ", status " + status + ", body <"
        + body().replace("\n", "\\n") + ">";
  }
}
