package dev.emitron.standalone;

import jakarta.servlet.ServletException;
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
  private final transient HttpServlet protocol;

  /** @param protocol the emitron servlet, which answers every path that is not the console's */
  ConsoleServlet(HttpServlet protocol) {
    this.protocol = protocol;
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
  protected void service(HttpServletRequest request, HttpServletResponse response)
      throws IOException, ServletException {
    String method = request.getMethod();
    // The raw path: the container maps "/sub/.." to "/" after removing the dot segment, but it is not the
    // console's; the protocol servlet answers it as it answers every other path (here 400 invalid_topic).
    String uri = request.getRequestURI();
    String path = uri == null ? "" : uri.substring(Math.min(uri.length(), request.getContextPath().length()));
    String name = path.isEmpty() || path.equals("/") ? "index.html"
        : path.startsWith("/console/") ? path.substring("/console/".length()) : "";
    byte[] body = content.get(name);
    if (body == null) {
      if (path.startsWith("/console/")) {
        StaticResponses.notFound(response);
      } else {
        protocol.service(request, response);
      }
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
