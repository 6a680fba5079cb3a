package dev.emitron.servlet;

import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** Writes JSON responses. */
final class Responses {

  private Responses() {
  }

  static void writeError(HttpServletResponse response, ErrorResponse error) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ok", false);
    body.put("error", error.code());
    body.put("message", error.message());
    writeJson(response, error.status(), body);
  }

  static void writeJson(HttpServletResponse response, int status, Object body) {
    if (response.isCommitted()) {
      return;
    }
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("application/json");
    response.setCharacterEncoding("UTF-8");
    response.setHeader("Cache-Control", "no-store");
    response.setContentLength(bytes.length);
    try {
      OutputStream out = response.getOutputStream();
      out.write(bytes);
      out.flush();
    } catch (IOException | IllegalStateException e) {
      // The client went away; nothing more to tell it.
    }
  }
}
