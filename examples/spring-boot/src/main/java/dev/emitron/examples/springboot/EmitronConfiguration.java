package dev.emitron.examples.springboot;

import dev.emitron.core.Emitron;
import dev.emitron.core.Transport;
import dev.emitron.core.Transports;
import dev.emitron.redis.RedisOptions;
import dev.emitron.redis.RedisTransport;
import dev.emitron.servlet.EmitronServlet;
import org.apache.catalina.core.StandardHost;
import org.apache.tomcat.util.buf.EncodedSolidusHandling;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Configuration;

/**
 * Wires emitron into the application: the transport, the {@link Emitron} instance, its servlet at
 * {@code /events/*}, and Tomcat set up for the protocol's topic grammar.
 */
@Configuration(proxyBeanMethods = false)
class EmitronConfiguration {

  /** Where the servlet is mounted; its routes are {@code /events/sub/{topic}}, {@code /events/pub/{topic}}, ... */
  static final String MOUNT = "/events/*";
  /** The path every request to the servlet starts with. */
  static final String PREFIX = "/events/";

  /**
   * The transport: in-memory, or Redis when {@code emitron.redis-url} ({@code REDIS_URL}) is set, so that
   * several instances of the application share topics, ids and replay buffers. Emitron creates the
   * transport from this factory and closes it.
   */
  @Bean
  Transport.Factory emitronTransport(EmitronProperties properties) {
    if (properties.redisUrl().isBlank()) {
      return Transports.memory();
    }
    return RedisTransport.factory(RedisOptions.builder()
        .uri(properties.redisUrl())
        .channelPrefix(properties.channelPrefix())
        .build());
  }

  /** The hub. Spring closes it (it is {@link AutoCloseable}) after the web server has stopped. */
  @Bean
  Emitron emitron(EmitronProperties properties, Transport.Factory transport) {
    return Emitron.builder()
        .replayMax(properties.replayMax())
        .heartbeat(properties.heartbeat())
        .transport(transport)
        .build();
  }

  /**
   * The protocol under {@code /events/}. The servlet does not own {@code emitron}; Tomcat calls its
   * {@code destroy()} on shutdown, which ends the open streams cleanly.
   */
  @Bean
  ServletRegistrationBean<EmitronServlet> emitronServlet(Emitron emitron, EmitronProperties properties) {
    EmitronServlet servlet = EmitronServlet.builder(emitron)
        .retry(properties.retry())
        .corsOrigins(properties.corsOrigins())
        .maxBodyBytes(properties.maxBodyBytes())
        .build();
    ServletRegistrationBean<EmitronServlet> registration = new ServletRegistrationBean<>(servlet, MOUNT);
    registration.setName("emitron");
    registration.setAsyncSupported(true);
    registration.setLoadOnStartup(1);
    return registration;
  }

  /**
   * Ends the open streams cleanly before the web server stops. Spring Boot closes Tomcat's connectors
   * before Tomcat destroys the servlet, which would cut every stream mid-chunk; ending them first (the
   * highest phase stops first) lets each client see a clean end and reconnect with its last event id.
   * Waits at most {@code emitron.shutdown-grace} for the streams to finish writing.
   */
  @Bean
  SmartLifecycle emitronStreamsEndFirst(ServletRegistrationBean<EmitronServlet> registration,
      EmitronProperties properties) {
    return new SmartLifecycle() {
      private volatile boolean running;

      @Override
      public void start() {
        running = true;
      }

      @Override
      public void stop() {
        running = false;
        EmitronServlet servlet = registration.getServlet();
        servlet.endStreams();
        long deadline = System.nanoTime() + properties.shutdownGrace().toNanos();
        while (servlet.openStreams() > 0 && System.nanoTime() < deadline) {
          try {
            // Polls for a bounded time, at shutdown only; streams end as their last frames are written.
            Thread.sleep(20);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }

      @Override
      public boolean isRunning() {
        return running;
      }

      @Override
      public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
      }
    };
  }

  /**
   * Lets {@code %2F} through to the servlet. A topic may contain {@code /}, and a client that encodes it
   * ({@code /events/sub/news%2Fsports}) must reach the same topic as {@code /events/sub/news/sports}.
   * Tomcat answers any {@code %2F} in a path with 400 by default ({@code encodedSolidusHandling=reject}).
   *
   * <p>{@code passthrough} (this choice) keeps {@code %2F} encoded in the path Tomcat maps and in
   * {@code getRequestURI()}, and the servlet decodes the topic itself, exactly once. {@code decode} would
   * turn it into a real {@code /} before Tomcat normalizes the path, so {@code ..%2F} could climb out of
   * {@code /events/} into the application's other mappings; passthrough cannot.
   */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> encodedSlashesReachEmitron() {
    return factory -> factory.addConnectorCustomizers(connector -> {
      connector.setEncodedSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue());
      // The same for %5C: decoded, a backslash in a path is rejected by Tomcat, yet it is a valid topic byte.
      connector.setEncodedReverseSolidusHandling(EncodedSolidusHandling.PASS_THROUGH.getValue());
    });
  }

  /**
   * Errors Tomcat raises itself under {@code /events/} (say, {@code %00} in a topic) get emitron's JSON
   * error body, like every other error of the protocol.
   */
  @Bean
  WebServerFactoryCustomizer<TomcatServletWebServerFactory> jsonErrorsUnderEvents() {
    return factory -> factory.addContextCustomizers(context -> {
      if (context.getParent() instanceof StandardHost host) {
        host.setErrorReportValveClass(JsonErrorReportValve.class.getName());
      }
    });
  }
}
