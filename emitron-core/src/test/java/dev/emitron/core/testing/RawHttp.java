package dev.emitron.core.testing;

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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 exchange over a plain socket, byte for byte: the request target is sent exactly as given
 * (no normalisation of {@code ..}, no re-encoding), and any framing can be written (chunked bodies,
 * wrong lengths). The connection is closed after the response.
 *
 * <pre>{@code
 * RawHttp.Response response = RawHttp.request(base, "DELETE", "/buffer/a%2Fb", Map.of(), null);
 * }</pre>
 */
public final class RawHttp {

  private static final int TIMEOUT_MILLIS = 15_000;

  private RawHttp() {
  }

  /**
   * A response.
   *
   * @param status the status code
   * @param rawHead the status line and header lines as received
   * @param headers header values by lower-case name
   * @param body the body, de-chunked
   */
  public record Response(int status, String rawHead, Map<String, List<String>> headers, byte[] body) {

    /** The first value of a header (case-insensitive name), or {@code null}. */
    public /* @Nullable */ String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** The body as UTF-8 text. */
    public String bodyText() {
      return new String(body, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return rawHead + "\n\n" + bodyText();
    }
  }

  /**
   * Sends a request with {@code Host}, {@code Connection: close} and, when there is a body and no
   * {@code Transfer-Encoding} header, {@code Content-Length}.
   *
   * @param base the server; a path in it (where the servlet is mounted) is prefixed to {@code target}
   * @param target the request target exactly as it goes on the wire, below {@code base}'s path
   * @param body the body, or {@code null} for none
   */
  public static Response request(URI base, String method, String target, Map<String, String> headers,
      /* @Nullable */ byte[] body) {
    Map<String, String> all = new LinkedHashMap<>();
    all.put("Host", base.getHost() + ":" + base.getPort());
    all.putAll(headers);
    boolean chunked = headers.keySet().stream().anyMatch(h -> h.equalsIgnoreCase("Transfer-Encoding"));
    if (body != null && !chunked && headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Length"))) {
      all.put("Content-Length", Integer.toString(body.length));
    }
    all.put("Connection", "close");
    StringBuilder head = new StringBuilder(method).append(' ').append(HttpWire.onWire(base, target))
        .append(" HTTP/1.1\r\n");
    all.forEach((name, value) -> head.append(name).append(": ").append(value).append("\r\n"));
    head.append("\r\n");
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    request.writeBytes(head.toString().getBytes(StandardCharsets.UTF_8));
    if (body != null) {
      request.writeBytes(body);
    }
    return send(base, request.toByteArray());
  }

  /**
   * Sends exactly {@code request} and reads one response: the body up to its length or the close, none
   * for {@code HEAD}, 204 and 304.
   */
  public static Response send(URI base, byte[] request) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(base.getHost(), base.getPort()), TIMEOUT_MILLIS);
      socket.setSoTimeout(TIMEOUT_MILLIS);
      OutputStream out = socket.getOutputStream();
      try {
        out.write(request);
        out.flush();
      } catch (IOException e) {
        // The server may answer (e.g. 413) and close before the whole body was written; read the answer.
      }
      InputStream in = new BufferedInputStream(socket.getInputStream());
      HttpWire.Head response = HttpWire.readHead(in);
      boolean toHead = new String(request, 0, Math.min(5, request.length), StandardCharsets.US_ASCII).equals("HEAD ");
      byte[] body = toHead || response.status() == 204 || response.status() == 304 ? new byte[0]
          : HttpWire.readAll(HttpWire.body(response, in));
      return new Response(response.status(), response.raw(), response.headers(), body);
    } catch (IOException e) {
      throw new UncheckedIOException("exchange with " + base + " failed", e);
    }
  }

  /** Encodes a body with {@code Transfer-Encoding: chunked}, in chunks of {@code chunkSize} bytes. */
  public static byte[] chunked(byte[] body, int chunkSize) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < body.length; i += chunkSize) {
      int n = Math.min(chunkSize, body.length - i);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, i, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }
}
