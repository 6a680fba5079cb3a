package dev.emitron.standalone;

import dev.emitron.core.Emitron;
import dev.emitron.core.EmitronException;
import dev.emitron.core.Transport;
import dev.emitron.core.Transports;
import dev.emitron.servlet.Authorizer;
import dev.emitron.servlet.EmitronServlet;
import dev.emitron.servlet.TokenAuthorizer;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone server: an {@link Emitron} instance and its servlet mounted at {@code /} of an embedded
 * Jetty 12 server.
 *
 * <pre>{@code
 * try (EmitronServer server = EmitronServer.create(ServerConfig.defaults().withPort(0))) {
 *   server.start();
 *   System.out.println(server.uri());
 * }
 * }</pre>
 *
 * <p>{@link #create} returns an unstarted server. {@link #close()} shuts down gracefully: it stops
 * accepting connections, ends every stream cleanly after the frames already queued, lets in-flight
 * publishes finish, and stops within the configured grace period. It is idempotent.
 */
public final class EmitronServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmitronServer.class);

  private final ServerConfig config;
  private final PrometheusMeterRegistry metrics;
  private final Emitron emitron;
  private final EmitronServlet servlet;
  private final Server jetty;
  private final ServerConnector connector;
  private final ShutdownGate gate;
  private final AtomicBoolean closed = new AtomicBoolean();

  private EmitronServer(ServerConfig config, Emitron emitron, Authorizer authorizer,
      PrometheusMeterRegistry metrics) {
    this.config = config;
    this.emitron = emitron;
    this.metrics = metrics;
    this.servlet = EmitronServlet.builder(emitron)
        .retry(config.retry())
        .maxBodyBytes(config.maxBodyBytes())
        .maxPendingBytes(config.maxPendingBytes())
        .corsOrigins(config.corsOrigins())
        .maxConnections(config.maxConnections())
        .authorizer(authorizer)
        // Jetty below writes through (no output aggregation): a flush after each write would be wasted.
        .flushAfterWrites(false)
        .build();

    // No request holds a thread for long (streams and publish bodies use async I/O), so a burst of
    // thousands of new streams is better queued for a few threads than spread over hundreds, each with
    // its own stack.
    QueuedThreadPool threads = new QueuedThreadPool(Math.max(32, 16 * Runtime.getRuntime().availableProcessors()), 8);
    threads.setName("emitron-http");
    this.jetty = new Server(threads);

    HttpConfiguration http = new HttpConfiguration();
    // The servlet decodes topics itself, exactly once, and answers bad ones with 400 and a JSON body;
    // Jetty must pass %2F, %2E%2E and the like through instead of rejecting or rewriting them.
    http.setUriCompliance(UriCompliance.UNSAFE);
    http.setSendServerVersion(false);
    http.setSendDateHeader(true);
    // Every response is handed to Jetty in one write (a JSON answer, or the frames an event stream had
    // queued), so Jetty's per-response aggregation buffer would only copy; worse, an open stream would
    // hold its buffer (32 KiB by default) for as long as it lives.
    http.setOutputAggregationSize(0);
    this.connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
    connector.setHost(config.host());
    connector.setPort(config.port());
    connector.setIdleTimeout(idleTimeoutMillis(config.heartbeat()));
    jetty.addConnector(connector);

    ServletContextHandler context = new ServletContextHandler("/");
    context.getServletHandler().setDecodeAmbiguousURIs(true);
    ServletHolder holder = new ServletHolder("emitron", servlet);
    holder.setAsyncSupported(true);
    context.addServlet(holder, "/*");
    // Exact and longer prefix mappings win over "/*": the protocol's routes never use these paths.
    context.addServlet(new ServletHolder("metrics", new MetricsServlet(metrics)), "/metrics");
    if (config.console()) {
      ServletHolder console = new ServletHolder("console", new ConsoleServlet(servlet));
      console.setAsyncSupported(true);
      context.addServlet(console, "");
      context.addServlet(console, "/console/*");
    }
    this.gate = new ShutdownGate(context);
    jetty.setHandler(gate);
    jetty.setErrorHandler(new JsonErrorHandler());
    jetty.setStopTimeout(Math.max(1, config.shutdownGrace().toMillis() / 2));
    jetty.setStopAtShutdown(false);
  }

  /**
   * Heartbeats keep every healthy stream busy, so a connection that makes no progress for two heartbeat
   * intervals is dead or stalled (a slow consumer that was cut): Jetty then closes it and frees what it
   * held. Without heartbeats, streams may stay idle for long.
   */
  static long idleTimeoutMillis(Duration heartbeat) {
    if (heartbeat.isZero()) {
      return Duration.ofHours(1).toMillis();
    }
    return Math.max(10_000, heartbeat.toMillis() * 2 + 5_000);
  }

  /**
   * Creates an unstarted server and its emitron instance (connecting the transport).
   *
   * @throws IllegalArgumentException if the configuration cannot be used (for example a bad Redis URL)
   */
  public static EmitronServer create(ServerConfig config) {
    Objects.requireNonNull(config, "config");
    Authorizer authorizer = authorizer(config);
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(metrics);
    new JvmThreadMetrics().bindTo(metrics);
    new ProcessorMetrics().bindTo(metrics);
    new UptimeMetrics().bindTo(metrics);
    Emitron emitron;
    try {
      emitron = Emitron.builder()
          .replayMax(config.replayMax())
          .heartbeat(config.heartbeat())
          .transport(transport(config))
          .meterRegistry(metrics)
          .build();
    } catch (EmitronException e) {
      metrics.close();
      throw new IllegalStateException("REDIS_URL: " + e.getMessage(), e);
    }
    return new EmitronServer(config, emitron, authorizer, metrics);
  }

  private static Authorizer authorizer(ServerConfig config) {
    try {
      return TokenAuthorizer.builder()
          .publishToken(config.publishToken())
          .jwtSecret(config.jwtSecret())
          .jwtPublicKey(config.jwtPublicKey())
          .subscribeOpen(config.subscribeOpen())
          .build();
    } catch (IllegalArgumentException e) {
      String variable = config.jwtSecret() != null ? "JWT_SECRET" : "JWT_PUBLIC_KEY";
      throw new IllegalArgumentException("invalid " + variable + ": " + e.getMessage(), e);
    }
  }

  private static Transport.Factory transport(ServerConfig config) {
    if (config.redisUrl() == null) {
      return Transports.memory();
    }
    return RedisTransportChoice.factory(config);
  }

  /**
   * Starts listening.
   *
   * @throws IllegalStateException if the port cannot be bound
   */
  public EmitronServer start() {
    try {
      jetty.start();
    } catch (Exception e) {
      close();
      throw new IllegalStateException("cannot start the server on " + config.host() + ":" + config.port()
          + ": " + e.getMessage(), e);
    }
    return this;
  }

  /** The port the server listens on (the chosen one when configured with port 0). */
  public int port() {
    return connector.getLocalPort();
  }

  /** The base URI, with {@code 127.0.0.1} when bound to every address. */
  public URI uri() {
    String host = config.host().equals("0.0.0.0") || config.host().equals("::") ? "127.0.0.1" : config.host();
    return URI.create("http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/");
  }

  /** The emitron instance behind the server, for publishing from Java code. */
  public Emitron emitron() {
    return emitron;
  }

  /** The number of open SSE streams. */
  public int openStreams() {
    return servlet.openStreams();
  }

  /** The configuration. */
  public ServerConfig config() {
    return config;
  }

  /** Shuts down gracefully within the configured grace period; idempotent. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    gate.closing = true;
    try {
      connector.close();
    } catch (RuntimeException e) {
      log.debug("Closing the connector failed", e);
    }
    servlet.endStreams();
    waitForStreams(deadline - config.shutdownGrace().toNanos() / 2);
    emitron.close();
    try {
      jetty.setStopTimeout(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
      jetty.stop();
    } catch (Exception e) {
      log.warn("Jetty did not stop cleanly: {}", e.toString());
    }
    metrics.close();
  }

  private void waitForStreams(long deadlineNanos) {
    while (servlet.openStreams() > 0 && System.nanoTime() < deadlineNanos) {
      try {
        // Polls for a bounded time only at shutdown; streams end as their last frames are written.
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  /**
   * Once shutdown began, a subscribe request that arrives on a kept-alive connection (a browser's
   * {@code EventSource} reconnecting on the connection whose stream just ended) has its connection closed
   * instead of an answer: an error status would make the browser give up for good, while a network error
   * makes it retry, and so reach another instance or this one restarted.
   */
  private static final class ShutdownGate extends Handler.Wrapper {
    volatile boolean closing;

    ShutdownGate(Handler handler) {
      super(handler);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
      if (closing && "GET".equals(request.getMethod())
          && Request.getPathInContext(request).startsWith("/sub/")) {
        request.getConnectionMetaData().getConnection().getEndPoint().close();
        callback.failed(new EofException("the server is shutting down"));
        return true;
      }
      return super.handle(request, response, callback);
    }
  }

  static Duration elapsedSince(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }
}
