package dev.emitron.servlet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.Emitron;
import dev.emitron.core.EmitronException;
import dev.emitron.core.Published;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Subscription;
import dev.emitron.core.Topic;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves emitron's HTTP protocol from a Servlet 6 container, relative to where it is mounted:
 * {@code GET sub/{topic}} (Server-Sent Events), {@code POST pub/{topic}}, {@code DELETE buffer/{topic}},
 * {@code GET health}, with CORS on every route.
 *
 * <pre>{@code
 * Emitron emitron = Emitron.create();
 * EmitronServlet servlet = EmitronServlet.builder(emitron).corsOrigins(List.of("https://app.example")).build();
 * context.addServlet(new ServletHolder(servlet), "/events/*");   // Jetty; any container works
 * }</pre>
 *
 * <p>In Spring Boot (see {@code examples/spring-boot}):
 *
 * <pre>{@code
 * @Bean
 * ServletRegistrationBean<EmitronServlet> emitronServlet(Emitron emitron) {
 *   var registration = new ServletRegistrationBean<>(EmitronServlet.create(emitron), "/events/*");
 *   registration.setAsyncSupported(true);
 *   return registration;
 * }
 * }</pre>
 *
 * <p>Streams use async, non-blocking I/O: no thread is held per open stream. Register the servlet with
 * async support enabled. The servlet does not own the {@link Emitron} it is given: closing emitron is
 * the caller's job. {@link #destroy()} and {@link #endStreams()} end the open streams cleanly.
 *
 * <p>The servlet reads the topic from the raw request URI and decodes it itself, so the container must
 * let an encoded slash ({@code %2F}) through: Jetty 12 with a {@code UriCompliance} that allows it,
 * Tomcat with {@code encodedSolidusHandling="passthrough"}.
 *
 * <p>Thread-safe: the container calls one instance for every request, concurrently.
 */
public final class EmitronServlet extends HttpServlet {

  private static final long serialVersionUID = 1L;
  private static final Logger log = LoggerFactory.getLogger(EmitronServlet.class);
  /** How long a client may take to send a publish body. */
  private static final long BODY_TIMEOUT_MILLIS = 30_000;
  /** How long a publish request's thread waits for the transport before answering asynchronously. */
  private static final long SHORT_PUBLISH_WAIT_MICROS = 2_000;
  /** Marks a request whose body the servlet started reading. */
  private static final String BODY_READ = EmitronServlet.class.getName() + ".bodyRead";

  private final transient Emitron emitron;
  private final transient Settings settings;
  private final transient CorsPolicy cors;
  private final transient ObjectMapper reader;
  private final transient ConnectionRegistry connections = new ConnectionRegistry();
  private final transient StreamWriters writers = new StreamWriters();
  private final transient Authorizer authorizer;
  private final int maxConnections;

  private EmitronServlet(Builder builder) {
    this.emitron = builder.emitron;
    this.settings = new Settings(builder.retry, builder.maxBodyBytes, builder.maxPendingBytes,
        builder.flushAfterWrites);
    this.cors = new CorsPolicy(builder.corsOrigins);
    this.reader = Json.reader(builder.maxBodyBytes);
    this.authorizer = builder.authorizer;
    this.maxConnections = builder.maxConnections;
  }

  /** Returns a builder for a servlet serving {@code emitron}. */
  public static Builder builder(Emitron emitron) {
    return new Builder(emitron);
  }

  /** Returns a servlet with the default settings. */
  public static EmitronServlet create(Emitron emitron) {
    return builder(emitron).build();
  }

  /** The number of open SSE streams. */
  public int openStreams() {
    return connections.size();
  }

  /** Ends every open stream cleanly after the frames already queued; new streams are still accepted. */
  public void endStreams() {
    connections.endAll();
  }

  /**
   * Ends every open stream cleanly; the container calls it when it takes the servlet out of service.
   * The {@link Emitron} instance stays open.
   */
  @Override
  public void destroy() {
    endStreams();
    writers.shutdown();
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) {
    try {
      route(request, response);
    } catch (HttpError error) {
      if (error.allow() != null) {
        response.setHeader("Allow", error.allow());
      }
      discardUnreadBody(request, response);
      Responses.writeError(response, error.response());
    } catch (RuntimeException e) {
      log.error("Unexpected failure serving {} {}", request.getMethod(), request.getRequestURI(), e);
      Responses.writeError(response, new ErrorResponse(500, "internal", "the server failed to handle the request"));
    }
  }

  private void route(HttpServletRequest request, HttpServletResponse response) {
    String path = routePath(request);
    String method = request.getMethod();
    String route;
    String rest;
    int slash = path.indexOf('/', 1);
    if (slash < 0) {
      route = path.substring(1);
      rest = null;
    } else {
      route = path.substring(1, slash);
      rest = path.substring(slash + 1);
    }
    String allow = switch (route) {
      case "sub", "health" -> "GET, HEAD, OPTIONS";
      case "pub" -> "POST, OPTIONS";
      case "buffer" -> "DELETE, OPTIONS";
      default -> null;
    };
    if (allow == null || (route.equals("health") && rest != null)) {
      throw new HttpError(new ErrorResponse(404, "not_found", "no route for " + sanitize(path)));
    }
    if (method.equals("OPTIONS")) {
      if (!cors.preflight(request, response)) {
        throw new HttpError(new ErrorResponse(403, "origin_not_allowed", "this origin is not allowed"));
      }
      response.setHeader("Allow", allow);
      response.setStatus(204);
      return;
    }
    cors.apply(request, response);
    boolean allowed = switch (route) {
      case "sub", "health" -> method.equals("GET") || method.equals("HEAD");
      case "pub" -> method.equals("POST");
      default -> method.equals("DELETE");
    };
    if (!allowed) {
      throw new HttpError(new ErrorResponse(405, "method_not_allowed",
          method + " is not allowed on /" + route + "; use " + allow), allow);
    }
    if (route.equals("health")) {
      health(request, response);
      return;
    }
    Topic topic = TopicPath.parse(rest == null ? "" : rest);
    Authorizer.Action action = switch (route) {
      case "sub" -> Authorizer.Action.SUBSCRIBE;
      case "pub" -> Authorizer.Action.PUBLISH;
      default -> Authorizer.Action.CLEAR;
    };
    Authorizer.Decision decision = authorizer.authorize(request, action, topic);
    if (!decision.allowed()) {
      if (decision.status() == 401) {
        response.setHeader("WWW-Authenticate", "Bearer");
      }
      throw new HttpError(new ErrorResponse(decision.status(), decision.code(), decision.message()));
    }
    switch (route) {
      case "sub" -> subscribe(request, response, topic);
      case "pub" -> publish(request, response, topic);
      default -> clear(request, response, topic);
    }
  }

  /**
   * The path below the servlet's mount, still percent-encoded, so that the topic is decoded exactly once
   * and {@code %2F} survives as part of a topic.
   */
  private static String routePath(HttpServletRequest request) {
    String uri = request.getRequestURI();
    String prefix = request.getContextPath() + request.getServletPath();
    if (uri != null && uri.startsWith(prefix)) {
      String rest = uri.substring(prefix.length());
      return rest.startsWith("/") ? rest : "/" + rest;
    }
    String info = request.getPathInfo();
    return info == null ? "/" : info;
  }

  private static String sanitize(String text) {
    String clean = text.replaceAll("[\\p{Cntrl}]", "?");
    return clean.length() > 300 ? clean.substring(0, 300) + "..." : clean;
  }

  // GET sub/{topic}

  private void subscribe(HttpServletRequest request, HttpServletResponse response, Topic topic) {
    SubscribeOptions options = subscribeOptions(request);
    if (emitron.isClosed()) {
      throw new HttpError(new ErrorResponse(503, "shutting_down", "the server is shutting down"));
    }
    if (maxConnections > 0 && connections.size() >= maxConnections) {
      response.setHeader("Retry-After", Long.toString(Math.max(1, settings.retry().toSeconds())));
      throw new HttpError(new ErrorResponse(503, "too_many_connections",
          "the server holds its maximum of " + maxConnections + " streams; retry later"));
    }
    if (request.getMethod().equals("HEAD")) {
      // A HEAD response has no body: answer with the stream's headers and open no subscription, which
      // would otherwise stream into nothing (unnoticed by the container) until the connection times out.
      SseConnection.writeStreamHeaders(response);
      return;
    }
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    SseConnection connection = new SseConnection(async, settings, connections, writers);
    async.addListener(connection);
    connections.add(connection);
    Subscription subscription;
    try {
      subscription = emitron.subscribe(topic, options, connection);
    } catch (EmitronException.Closed e) {
      connections.remove(connection);
      Responses.writeError(response, new ErrorResponse(503, "shutting_down", "the server is shutting down"));
      async.complete();
      return;
    }
    connection.attach(subscription);
  }

  private SubscribeOptions subscribeOptions(HttpServletRequest request) {
    String header = request.getHeader("Last-Event-ID");
    if (header != null && !header.isEmpty()) {
      return SubscribeOptions.resumeAfter(header);
    }
    String query = request.getParameter("lastEventId");
    if (query != null && !query.isEmpty()) {
      return SubscribeOptions.resumeAfter(query);
    }
    String replay = request.getParameter("replay");
    if (replay == null || replay.isEmpty()) {
      return SubscribeOptions.live();
    }
    long count = parseCount(replay);
    if (count < 0) {
      throw new HttpError(ErrorResponse.badRequest("invalid_replay",
          "replay must be a non-negative decimal integer"));
    }
    return SubscribeOptions.replay((int) Math.min(count, emitron.config().replayMax()));
  }

  /** A non-negative decimal integer of at most 18 digits, or -1. */
  private static long parseCount(String text) {
    if (text.length() > 18) {
      return -1;
    }
    long value = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      value = value * 10 + (c - '0');
    }
    return value;
  }

  // POST pub/{topic}

  private void publish(HttpServletRequest request, HttpServletResponse response, Topic topic) {
    checkContentType(request);
    int max = settings.maxBodyBytes();
    long length = request.getContentLengthLong();
    if (length > max) {
      throw tooLarge(max);
    }
    request.setAttribute(BODY_READ, Boolean.TRUE);
    byte[] arrived = bodyIfArrived(request, length);
    if (arrived != null) {
      publishNow(request, response, topic, arrived);
      return;
    }
    // The rest of the body is read with non-blocking I/O: a client that sends it slowly holds no thread.
    AsyncContext async = request.startAsync();
    async.setTimeout(BODY_TIMEOUT_MILLIS);
    BodyReader body = new BodyReader(async, max, bytes -> publish(async, response, topic, bytes));
    async.addListener(body);
    try {
      request.getInputStream().setReadListener(body);
    } catch (IOException | IllegalStateException e) {
      body.onError(e);
    }
  }

  /**
   * Returns the body when its declared length has already arrived, so reading it cannot block; most
   * publish requests come whole in one packet. Returns null when the rest must be waited for.
   */
  private static byte[] bodyIfArrived(HttpServletRequest request, long length) {
    if (length < 0) {
      return null;
    }
    try {
      ServletInputStream in = request.getInputStream();
      if (length > 0 && in.available() < length) {
        return null;
      }
      byte[] body = in.readNBytes((int) length);
      if (body.length != length) {
        // Only the end of the stream stops the read short: the client went away mid-body.
        throw new HttpError(new ErrorResponse(400, "bad_request", "the request body ended before its declared length"));
      }
      return body;
    } catch (IOException e) {
      throw new HttpError(new ErrorResponse(400, "bad_request", "the request body could not be read"));
    }
  }

  /**
   * Publishes a body read on the request's own thread, and answers on it too when the publish is done
   * at once (the in-memory transport) or within a short wait (Redis): no asynchronous cycle for the
   * common case.
   */
  private void publishNow(HttpServletRequest request, HttpServletResponse response, Topic topic, byte[] body) {
    CompletionStage<Published> published = writers.publishing(() -> publishStage(topic, body));
    if (published instanceof CompletableFuture<Published> future && writers.caughtUp()) {
      Published result = null;
      Throwable failure = null;
      boolean done = true;
      try {
        // Redis answers in well under a millisecond: waiting that long on this thread is cheaper than
        // an asynchronous cycle. A slower answer is waited for asynchronously.
        result = future.get(SHORT_PUBLISH_WAIT_MICROS, TimeUnit.MICROSECONDS);
      } catch (TimeoutException e) {
        done = false;
      } catch (ExecutionException | CancellationException e) {
        failure = e instanceof ExecutionException ? e.getCause() : e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        done = false;
      }
      if (done) {
        answer(response, topic, result, failure);
        return;
      }
    }
    AsyncContext async = request.startAsync();
    answerWhenDone(async, response, topic, published);
  }

  /** Publishes a body that was read whole; answers on the thread the publish completes on. */
  private void publish(AsyncContext async, HttpServletResponse response, Topic topic, byte[] body) {
    CompletionStage<Published> published;
    try {
      published = writers.publishing(() -> publishStage(topic, body));
    } catch (HttpError error) {
      Responses.writeError(response, error.response());
      async.complete();
      return;
    }
    answerWhenDone(async, response, topic, published);
  }

  private void answerWhenDone(AsyncContext async, HttpServletResponse response, Topic topic,
      CompletionStage<Published> published) {
    async.setTimeout(0);
    // The answer waits while the stream writers lag behind, so a publisher that sends as fast as it is
    // answered cannot push healthy subscribers past their bound.
    published.whenComplete((result, failure) -> writers.whenCaughtUp(() -> {
      try {
        answer(response, topic, result, failure);
      } finally {
        async.complete();
      }
    }));
  }

  private void answer(HttpServletResponse response, Topic topic, Published result, Throwable failure) {
    if (failure != null) {
      Responses.writeError(response, failureResponse(failure));
      return;
    }
    Map<String, Object> answer = new LinkedHashMap<>();
    answer.put("queue", topic.name());
    answer.put("id", result.id().toString());
    if (result.transportReceivers() >= 0) {
      answer.put("redisReceivers", result.transportReceivers());
    }
    answer.put("localSubscribers", result.localSubscribers());
    Responses.writeJson(response, 200, answer);
  }

  private CompletionStage<Published> publishStage(Topic topic, byte[] body) {
    JsonNode message;
    try {
      message = Json.parse(reader, body);
    } catch (JsonProcessingException e) {
      throw new HttpError(ErrorResponse.badRequest("invalid_json", "body is not valid JSON" + Json.where(e)));
    }
    if (message == null || !message.isObject()) {
      throw new HttpError(ErrorResponse.badRequest("invalid_body", "body must be a JSON object with a \"data\" field"));
    }
    JsonNode data = message.get("data");
    if (data == null) {
      throw new HttpError(ErrorResponse.badRequest("invalid_body", "body has no \"data\" field"));
    }
    JsonNode eventNode = message.get("event");
    String event = null;
    if (eventNode != null && !eventNode.isNull()) {
      if (!eventNode.isTextual()) {
        throw new HttpError(ErrorResponse.badRequest("invalid_event", "\"event\" must be a string"));
      }
      event = eventNode.textValue();
    }
    try {
      return emitron.publish(topic, event, data);
    } catch (IllegalArgumentException e) {
      throw new HttpError(ErrorResponse.badRequest("invalid_event", e.getMessage()));
    }
  }

  private static void checkContentType(HttpServletRequest request) {
    java.util.Enumeration<String> headers = request.getHeaders("Content-Type");
    if (headers == null || !headers.hasMoreElements()) {
      return;
    }
    String contentType = headers.nextElement();
    if (headers.hasMoreElements()) {
      throw new HttpError(new ErrorResponse(415, "unsupported_media_type", "send one Content-Type header"));
    }
    String[] parts = contentType.split(";", -1);
    String mediaType = parts[0].trim().toLowerCase(Locale.ROOT);
    if (!mediaType.equals("application/json")) {
      throw new HttpError(new ErrorResponse(415, "unsupported_media_type",
          "Content-Type must be application/json"));
    }
    for (String parameter : Arrays.copyOfRange(parts, 1, parts.length)) {
      String[] pair = parameter.trim().split("=", 2);
      if (pair[0].trim().equalsIgnoreCase("charset") && pair.length == 2) {
        String charset = pair[1].trim().replace("\"", "");
        if (!charset.equalsIgnoreCase("utf-8") && !charset.equalsIgnoreCase("utf8")) {
          throw new HttpError(new ErrorResponse(415, "unsupported_media_type", "the body must be UTF-8"));
        }
      }
    }
  }

  /**
   * A request refused before its body was read (a bad token, a wrong content type, a body too large)
   * leaves that body on the connection. A small one is read and dropped so that the client's kept-alive
   * connection stays usable; otherwise the response closes the connection, rather than the container
   * closing it under a client that may already be sending its next request.
   */
  private void discardUnreadBody(HttpServletRequest request, HttpServletResponse response) {
    long declared = request.getContentLengthLong();
    boolean chunked = "chunked".equalsIgnoreCase(request.getHeader("Transfer-Encoding"));
    if (declared <= 0 && !chunked) {
      return;
    }
    if (request.getAttribute(BODY_READ) != null || declared > settings.maxBodyBytes()) {
      response.setHeader("Connection", "close");
      return;
    }
    byte[] chunk = new byte[8192];
    long left = settings.maxBodyBytes();
    try {
      InputStream in = request.getInputStream();
      int n;
      while (left >= 0 && (n = in.read(chunk)) >= 0) {
        left -= n;
      }
    } catch (IOException | IllegalStateException e) {
      left = -1;
    }
    if (left < 0) {
      response.setHeader("Connection", "close");
    }
  }

  static HttpError tooLarge(int max) {
    return new HttpError(new ErrorResponse(413, "payload_too_large", "the body is larger than " + max + " bytes"));
  }

  private static ErrorResponse failureResponse(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof EmitronException.Closed) {
      return new ErrorResponse(503, "shutting_down", "the server is shutting down");
    }
    if (cause instanceof EmitronException.Unavailable) {
      return ErrorResponse.unavailable("the transport cannot be reached; nothing was published");
    }
    log.warn("Publish failed", cause);
    return ErrorResponse.unavailable("the transport failed; nothing was published");
  }

  // DELETE buffer/{topic}

  private void clear(HttpServletRequest request, HttpServletResponse response, Topic topic) {
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    CompletionStage<Boolean> cleared;
    try {
      cleared = emitron.clearBuffer(topic);
    } catch (RuntimeException e) {
      cleared = CompletableFuture.failedFuture(e);
    }
    cleared.whenComplete((removed, failure) -> {
      try {
        if (failure != null) {
          Responses.writeError(response, failureResponse(failure));
        } else {
          Map<String, Object> body = new LinkedHashMap<>();
          body.put("ok", true);
          body.put("queue", topic.name());
          body.put("removed", removed);
          body.put("message", removed ? "replay buffer cleared" : "replay buffer was already empty");
          Responses.writeJson(response, 200, body);
        }
      } finally {
        async.complete();
      }
    });
  }

  // GET health

  private void health(HttpServletRequest request, HttpServletResponse response) {
    AsyncContext async = request.startAsync();
    async.setTimeout(0);
    emitron.health().whenComplete((health, failure) -> {
      try {
        boolean up = failure == null && health.up();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ok", up);
        body.put("transport", emitron.transportName());
        if (emitron.transportName().equals("redis")) {
          body.put("redis", up ? "up" : "down");
        }
        body.put("streams", connections.size());
        Responses.writeJson(response, up ? 200 : 503, body);
      } finally {
        async.complete();
      }
    });
  }

  record Settings(Duration retry, int maxBodyBytes, long maxPendingBytes, boolean flushAfterWrites) {
  }

  /** Builds an {@link EmitronServlet}. Each setter validates its argument and names a bad value. */
  public static final class Builder {

    /** Default of {@link #retry(Duration)}: 10 s. */
    public static final Duration DEFAULT_RETRY = Duration.ofSeconds(10);
    /** Default of {@link #maxBodyBytes(int)}: 1 MiB. */
    public static final int DEFAULT_MAX_BODY_BYTES = 1_048_576;
    /** Default of {@link #maxPendingBytes(long)}: 4 MiB. */
    public static final long DEFAULT_MAX_PENDING_BYTES = 4L * 1_048_576;

    private final Emitron emitron;
    private Duration retry = DEFAULT_RETRY;
    private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
    private long maxPendingBytes = DEFAULT_MAX_PENDING_BYTES;
    private List<String> corsOrigins = List.of("*");
    private Authorizer authorizer = Authorizer.allowAll();
    private int maxConnections;
    private boolean flushAfterWrites = true;

    private Builder(Emitron emitron) {
      this.emitron = Objects.requireNonNull(emitron, "emitron");
    }

    /**
     * The reconnection delay sent to clients in the stream's first frame ({@code RETRY_MS}); default 10 s.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder retry(Duration retry) {
      if (retry.isNegative()) {
        throw new IllegalArgumentException("retry must not be negative: " + retry);
      }
      this.retry = retry;
      return this;
    }

    /**
     * The largest publish body accepted ({@code MAX_BODY_BYTES}); larger ones get 413. Default 1 MiB.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes <= 0) {
        throw new IllegalArgumentException("maxBodyBytes must be positive: " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /**
     * Whether a stream flushes the container's output after the frames it writes. Default {@code true},
     * right for every container. Set {@code false} only where the container sends each write
     * straight to the socket, to save a flush per write: Jetty 12 with
     * {@code HttpConfiguration.setOutputAggregationSize(0)}, as the standalone server runs it. Elsewhere
     * events would wait in the container's buffer.
     */
    public Builder flushAfterWrites(boolean flushAfterWrites) {
      this.flushAfterWrites = flushAfterWrites;
      return this;
    }

    /**
     * The bound on a stream's unsent bytes; a subscriber past it is cut and resumes from the replay
     * buffer. Default 4 MiB.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder maxPendingBytes(long maxPendingBytes) {
      if (maxPendingBytes <= 0) {
        throw new IllegalArgumentException("maxPendingBytes must be positive: " + maxPendingBytes);
      }
      this.maxPendingBytes = maxPendingBytes;
      return this;
    }

    /**
     * The origins allowed to read responses ({@code CORS_ORIGINS}); {@code *} allows all. Default {@code *}.
     *
     * @throws IllegalArgumentException if empty or an origin is blank or holds a control character
     */
    public Builder corsOrigins(List<String> corsOrigins) {
      if (corsOrigins.isEmpty()) {
        throw new IllegalArgumentException("corsOrigins must not be empty");
      }
      for (String origin : corsOrigins) {
        if (origin.isBlank() || origin.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
          throw new IllegalArgumentException("invalid CORS origin: '" + origin + "'");
        }
      }
      this.corsOrigins = List.copyOf(corsOrigins);
      return this;
    }

    /**
     * Who may publish, subscribe and clear; default {@link Authorizer#allowAll()}. See
     * {@link TokenAuthorizer} for tokens and JWTs.
     */
    public Builder authorizer(Authorizer authorizer) {
      this.authorizer = Objects.requireNonNull(authorizer, "authorizer");
      return this;
    }

    /**
     * The most SSE streams served at once ({@code MAX_CONNECTIONS}); past it new subscribers get 503 with
     * {@code Retry-After}. Default 0: no limit.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder maxConnections(int maxConnections) {
      if (maxConnections < 0) {
        throw new IllegalArgumentException("maxConnections must not be negative: " + maxConnections);
      }
      this.maxConnections = maxConnections;
      return this;
    }

    /** Creates the servlet. */
    public EmitronServlet build() {
      return new EmitronServlet(this);
    }
  }
}
