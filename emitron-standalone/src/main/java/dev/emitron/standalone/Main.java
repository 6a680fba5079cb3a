package dev.emitron.standalone;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the standalone server: reads the environment, starts, and shuts down gracefully on SIGTERM or
 * SIGINT.
 */
public final class Main {

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {
  }

  /** Entry point; exits with status 2 when the configuration is invalid, 1 when the server cannot start. */
  public static void main(String[] args) {
    ServerConfig config;
    try {
      config = ServerConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("emitron: " + e.getMessage());
      System.exit(2);
      return;
    }
    EmitronServer server;
    try {
      server = EmitronServer.create(config).start();
    } catch (IllegalArgumentException e) {
      System.err.println("emitron: " + e.getMessage());
      System.exit(2);
      return;
    } catch (RuntimeException e) {
      System.err.println("emitron: " + e.getMessage());
      System.exit(1);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      long start = System.nanoTime();
      log.debug("emitron stopping (grace period {} ms)", config.shutdownGrace().toMillis());
      server.close();
      log.info("emitron stopped in {} ms", EmitronServer.elapsedSince(start).toMillis());
    }, "emitron-shutdown"));
    log.info("emitron listening on http://{}:{}/ (transport: {}, replay buffer: {} messages per topic, "
        + "console: {}, metrics: /metrics)", config.host(), server.port(),
        config.redisUrl() == null ? "memory, one instance, buffers lost on restart" : "redis",
        config.replayMax(), config.console() ? "/" : "off");
    if (config.publishingOpen()) {
      log.warn("Publishing is open: anyone who reaches this server can publish to and clear any topic. "
          + "Set PUBLISH_TOKEN, JWT_SECRET or JWT_PUBLIC_KEY to require a token.");
    }
  }
}
