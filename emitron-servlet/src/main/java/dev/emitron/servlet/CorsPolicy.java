package dev.emitron.servlet;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Cross-origin resource sharing: which origins may read emitron's responses, and the answer to
 * preflight requests. {@code *} allows every origin (without credentials).
 */
final class CorsPolicy {

  /** Request headers a browser may send; matched case-insensitively. */
  static final Set<String> ALLOWED_HEADERS = Set.of(
      "last-event-id", "authorization", "content-type", "cache-control", "accept", "x-requested-with", "pragma");
  static final String ALLOWED_METHODS = "GET, POST, DELETE, OPTIONS";
  static final String EXPOSED_HEADERS = "Emitron-Recovered";
  static final String MAX_AGE_SECONDS = "600";

  private final boolean anyOrigin;
  private final Set<String> origins;

  CorsPolicy(List<String> origins) {
    this.anyOrigin = origins.contains("*");
    this.origins = Set.copyOf(origins);
  }

  boolean allows(String origin) {
    return anyOrigin || origins.contains(origin);
  }

  /** Adds the headers that let an allowed origin read the response; nothing for others. */
  void apply(HttpServletRequest request, HttpServletResponse response) {
    String origin = request.getHeader("Origin");
    if (origin == null || !allows(origin)) {
      return;
    }
    grant(response, origin);
    response.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
  }

  private void grant(HttpServletResponse response, String origin) {
    if (anyOrigin) {
      response.setHeader("Access-Control-Allow-Origin", "*");
    } else {
      response.setHeader("Access-Control-Allow-Origin", sanitize(origin));
      response.addHeader("Vary", "Origin");
    }
  }

  /**
   * Answers a preflight request. Returns false when the origin is not allowed (the caller answers 403).
   */
  boolean preflight(HttpServletRequest request, HttpServletResponse response) {
    String origin = request.getHeader("Origin");
    if (origin != null && !allows(origin)) {
      return false;
    }
    if (origin != null) {
      grant(response, origin);
    }
    response.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
    String asked = request.getHeader("Access-Control-Request-Headers");
    List<String> granted = new ArrayList<>();
    if (asked != null) {
      for (String header : asked.split(",")) {
        String name = header.trim();
        if (ALLOWED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
          granted.add(name);
        }
      }
    }
    if (granted.isEmpty()) {
      granted.addAll(List.of("Last-Event-ID", "Authorization", "Content-Type", "Cache-Control"));
    }
    response.setHeader("Access-Control-Allow-Headers", String.join(", ", granted));
    response.setHeader("Access-Control-Max-Age", MAX_AGE_SECONDS);
    return true;
  }

  /** An allowed origin is echoed; make sure it cannot split a header even if a container let CR/LF in. */
  private static String sanitize(String value) {
    return value.replaceAll("[\\r\\n\\x00]", "");
  }
}
