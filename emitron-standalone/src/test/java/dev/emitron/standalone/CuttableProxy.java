package dev.emitron.standalone;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP proxy on the loopback interface in front of a server, standing in for a network or a load
 * balancer that drops connections: {@link #cutAll()} closes every open connection at once, and each
 * connection records the bytes that went through it, so a test can read the request a client sent
 * (its {@code Last-Event-ID}) and what the server answered.
 */
final class CuttableProxy implements AutoCloseable {

  private final InetSocketAddress target;
  private final ServerSocket listener;
  private final List<Connection> connections = new CopyOnWriteArrayList<>();
  private volatile boolean closed;
  private boolean holding; // guarded by this

  private CuttableProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "proxy-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /** Starts a proxy forwarding to {@code target}'s host and port. */
  static CuttableProxy to(URI target) throws IOException {
    return new CuttableProxy(new InetSocketAddress(target.getHost(), target.getPort()));
  }

  /** The proxy's base URI. */
  URI uri() {
    return URI.create("http://127.0.0.1:" + listener.getLocalPort() + "/");
  }

  /**
   * The connections accepted so far that carried a request, oldest first. (An HTTP client may open a
   * spare connection that it never uses; those are left out.)
   */
  List<Connection> connections() {
    List<Connection> used = new ArrayList<>();
    for (Connection connection : connections) {
      if (!connection.request().isEmpty()) {
        used.add(connection);
      }
    }
    return used;
  }

  /** Closes every open connection, both ways, as a dropped network would. */
  void cutAll() {
    for (Connection connection : connections) {
      connection.cut();
    }
  }

  /**
   * Closes every open connection and holds new ones (not forwarded, not refused) until {@link #release()},
   * so that a test can act while a client is certainly disconnected.
   */
  synchronized void cutAllAndHold() {
    holding = true;
    cutAll();
  }

  /** Forwards the held connection attempts and every new one again. */
  synchronized void release() {
    holding = false;
    notifyAll();
  }

  private synchronized void awaitRelease() throws InterruptedException {
    while (holding && !closed) {
      wait();
    }
  }

  private void accept() {
    while (!closed) {
      try {
        Socket client = listener.accept();
        awaitRelease();
        Socket server = new Socket();
        server.connect(target, 5000);
        Connection connection = new Connection(client, server);
        connections.add(connection);
        connection.start();
      } catch (IOException e) {
        if (!closed) {
          System.err.println("proxy: " + e);
        }
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    release();
    listener.close();
    cutAll();
  }

  /** One proxied connection and what went through it. */
  static final class Connection {
    private final Socket client;
    private final Socket server;
    private final ByteArrayOutputStream request = new ByteArrayOutputStream();
    private final ByteArrayOutputStream response = new ByteArrayOutputStream();

    Connection(Socket client, Socket server) {
      this.client = client;
      this.server = server;
    }

    void start() {
      pump(client, server, request, "proxy-up");
      pump(server, client, response, "proxy-down");
    }

    private void pump(Socket from, Socket to, ByteArrayOutputStream record, String name) {
      Thread thread = new Thread(() -> {
        byte[] buffer = new byte[8192];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
          int n;
          while ((n = in.read(buffer)) >= 0) {
            synchronized (record) {
              record.write(buffer, 0, n);
            }
            out.write(buffer, 0, n);
            out.flush();
          }
        } catch (IOException e) {
          // Cut, or the other side went away.
        } finally {
          cut();
        }
      }, name);
      thread.setDaemon(true);
      thread.start();
    }

    /** What the client sent so far (the request line and headers, as text). */
    String request() {
      synchronized (request) {
        return request.toString(StandardCharsets.ISO_8859_1);
      }
    }

    /** What the server answered so far, raw (headers and chunked body). */
    String response() {
      synchronized (response) {
        return response.toString(StandardCharsets.UTF_8);
      }
    }

    /** The request's header lines, lower-cased names, as {@code name: value}. */
    List<String> requestHeaders() {
      List<String> headers = new ArrayList<>();
      String head = request();
      int end = head.indexOf("\r\n\r\n");
      String[] lines = (end < 0 ? head : head.substring(0, end)).split("\r\n");
      for (int i = 1; i < lines.length; i++) {
        int colon = lines[i].indexOf(':');
        if (colon > 0) {
          headers.add(lines[i].substring(0, colon).trim().toLowerCase() + ": " + lines[i].substring(colon + 1).trim());
        }
      }
      return headers;
    }

    @Override
    public String toString() {
      return "request " + request().replace("\r\n", " | ") + " -> response " + response().replace("\r\n", " | ")
          .replace("\n", "\\n");
    }

    void cut() {
      closeQuietly(client);
      closeQuietly(server);
    }

    private static void closeQuietly(Socket socket) {
      try {
        socket.close();
      } catch (IOException e) {
        // Already closed.
      }
    }
  }
}
