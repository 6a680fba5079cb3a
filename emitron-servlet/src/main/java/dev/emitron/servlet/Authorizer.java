package dev.emitron.servlet;

import dev.emitron.core.Topic;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Decides whether a request may publish to, subscribe to or clear a topic. The servlet asks before it
 * acts; a host application plugs in its own sessions here, or uses {@link TokenAuthorizer} for static
 * tokens and JWTs.
 *
 * <pre>{@code
 * Authorizer mine = (request, action, topic) -> request.getSession(false) != null
 *     ? Authorizer.Decision.allow()
 *     : Authorizer.Decision.unauthorized("log in first");
 * }</pre>
 *
 * <p>Called on the container's request thread, concurrently for different requests: implementations
 * must be thread-safe and should not block for long. CORS preflight and {@code /health} are never
 * asked about.
 */
@FunctionalInterface
public interface Authorizer {

  /** What a request wants to do with a topic. */
  enum Action {
    /** {@code GET sub/{topic}}. */
    SUBSCRIBE,
    /** {@code POST pub/{topic}}. */
    PUBLISH,
    /** {@code DELETE buffer/{topic}}. */
    CLEAR
  }

  /**
   * Decides.
   *
   * @param request the HTTP request (headers, cookies, query parameters, session)
   * @param action what it wants to do
   * @param topic the topic, already validated
   * @return the decision, never null
   */
  Decision authorize(HttpServletRequest request, Action action, Topic topic);

  /** Allows everything: the default, for compatibility with the original emitron. */
  static Authorizer allowAll() {
    return (request, action, topic) -> Decision.allow();
  }

  /**
   * The outcome of an authorization. A denial is answered with its status (401 or 403) and a JSON error
   * body carrying its message; the message must not contain secrets.
   */
  final class Decision {

    private static final Decision ALLOW = new Decision(200, "ok", "allowed");

    private final int status;
    private final String code;
    private final String message;

    private Decision(int status, String code, String message) {
      this.status = status;
      this.code = code;
      this.message = message;
    }

    /** The request may go on. */
    public static Decision allow() {
      return ALLOW;
    }

    /** 401: no credentials, or credentials that are malformed, expired or wrongly signed. */
    public static Decision unauthorized(String message) {
      return new Decision(401, "unauthorized", message);
    }

    /** 403: valid credentials that do not grant this action on this topic. */
    public static Decision forbidden(String message) {
      return new Decision(403, "forbidden", message);
    }

    /** Whether the request may go on. */
    public boolean allowed() {
      return this == ALLOW;
    }

    /** The HTTP status of a denial (401 or 403), or 200. */
    public int status() {
      return status;
    }

    /** The error code of the JSON body. */
    public String code() {
      return code;
    }

    /** The human sentence of the JSON body. */
    public String message() {
      return message;
    }
  }
}
