package dev.emitron.standalone;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The web console: static HTML, CSS and JavaScript from the jar, at {@code GET /} and {@code /console/*}
 * (paths the protocol's routes never use). It talks to the server only through the public HTTP protocol.
 */
final class ConsoleServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final String ROOT = "/dev/emitron/standalone/console/";
  private static final Map<String, String> FILES = Map.of(
      "index.html", "text/html; charset=utf-8",
      "console.css", "text/css; charset=utf-8",
      "console.js", "text/javascript; charset=utf-8");

  private final transient Map<String, byte[]> content = new HashMap<>();

  ConsoleServlet() {
    for (String name : FILES.keySet()) {
      try (InputStream in = ConsoleServlet.class.getResourceAsStream(ROOT + name)) {
        if (in == null) {
          throw new IllegalStateException("the console file " + name + " is missing from the jar");
        }
        content.put(name, in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) throws IOException {
    String method = request.getMethod();
    String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
    String name = path.isEmpty() || path.equals("/") ? "index.html"
        : path.startsWith("/console/") ? path.substring("/console/".length()) : "";
    byte[] body = content.get(name);
    if (body == null) {
      StaticResponses.notFound(response);
      return;
    }
    if (!method.equals("GET") && !method.equals("HEAD")) {
      StaticResponses.methodNotAllowed(response, path.isEmpty() ? "/" : path);
      return;
    }
    response.setStatus(200);
    response.setContentType(FILES.get(name));
    response.setHeader("Cache-Control", "no-cache");
    response.setHeader("X-Content-Type-Options", "nosniff");
    response.setContentLength(body.length);
    if (method.equals("GET")) {
      response.getOutputStream().write(body);
    }
  }
}
