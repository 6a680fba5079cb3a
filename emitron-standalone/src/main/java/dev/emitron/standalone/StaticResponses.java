package dev.emitron.standalone;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** emitron's JSON error bodies for the standalone server's own routes (console, metrics). */
final class StaticResponses {

  private StaticResponses() {
  }

  static void methodNotAllowed(HttpServletResponse response, String path) throws IOException {
    response.setHeader("Allow", "GET, HEAD");
    error(response, 405, "method_not_allowed", "only GET and HEAD are allowed on " + path);
  }

  static void notFound(HttpServletResponse response) throws IOException {
    error(response, 404, "not_found", "no such console file");
  }

  private static void error(HttpServletResponse response, int status, String code, String message)
      throws IOException {
    byte[] body = ("{\"ok\":false,\"error\":\"" + code + "\",\"message\":\"" + message + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
