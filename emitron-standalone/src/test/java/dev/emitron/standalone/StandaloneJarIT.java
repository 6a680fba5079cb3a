package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.testing.RawHttp;
import dev.emitron.core.testing.SseClient;
import dev.emitron.redis.RedisServerExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The shaded jar as users run it, {@code java -jar emitron.jar}, in a child process: graceful shutdown on
 * SIGTERM and a bad configuration at start-up.
 */
class StandaloneJarIT {

  private static final Path JAR = Path.of(System.getProperty("emitron.jar", "target/emitron.jar"));
  private static final Pattern LISTENING = Pattern.compile("emitron listening on http://127\\.0\\.0\\.1:(\\d+)/");
  private static final Duration START = Duration.ofSeconds(60);
  private static final int STREAMS = 100;
  private static final long GRACE_MILLIS = 5000;
  /** Time for the JVM to run its shutdown hooks and exit, on a busy two-core machine. */
  private static final long EXIT_MARGIN_MILLIS = 5000;

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private final List<Process> processes = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    processes.forEach(Process::destroyForcibly);
  }

  @Test
  void sigtermEndsEveryStreamCleanlyAfterItsLastEventAndExitsWithinTheGracePeriod() throws Exception {
    Server server = start(Map.of("SHUTDOWN_GRACE_MS", Long.toString(GRACE_MILLIS)));
    List<RawSseStream> streams = new ArrayList<>();
    try {
      for (int i = 0; i < STREAMS; i++) {
        streams.add(RawSseStream.open(server.port, "/sub/shutdown"));
      }
      // Each stream has started once its id-only frame (the stream's position) arrived.
      await().atMost(Duration.ofSeconds(30))
          .until(() -> streams.stream().allMatch(s -> s.body().contains("\nid: ")));
      String id = Publishing.publish(server.uri(), "shutdown", "{\"bye\":true}");
      String event = "id: " + id + "\ndata: {\"bye\":true}\n\n";
      await().atMost(Duration.ofSeconds(30))
          .until(() -> streams.stream().allMatch(s -> withoutComments(s.body()).endsWith(event)));

      long start = System.nanoTime();
      sigterm(server.process);
      boolean exited = server.process.waitFor(GRACE_MILLIS + EXIT_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

      assertThat(exited).as("exited within %d ms; output:%n%s", GRACE_MILLIS + EXIT_MARGIN_MILLIS,
          server.output.text()).isTrue();
      assertThat(server.process.exitValue()).as("exit code after SIGTERM").isIn(143, 0);
      assertThat(server.output.awaitEnd(Duration.ofSeconds(5))).anyMatch(line -> line.contains("emitron stopped in"));
      for (RawSseStream stream : streams) {
        assertThat(stream.awaitEnd(5000)).as("%s", stream).isTrue();
        assertThat(stream.end()).as("%s", stream).isEqualTo(RawSseStream.End.TERMINATED);
        // Nothing after the last complete event but heartbeat comments.
        assertThat(withoutComments(stream.body())).as("%s", stream).endsWith(event);
      }
      System.out.printf("SIGTERM with %d open streams: exited in %d ms with code %d; the server said:%n%s%n",
          STREAMS, took, server.process.exitValue(), server.output.text());
    } finally {
      for (RawSseStream stream : streams) {
        stream.close();
      }
    }
  }

  @Test
  void sigtermOnAnIdleServerExitsPromptly() throws Exception {
    Server server = start(Map.of("SHUTDOWN_GRACE_MS", "30000"));
    long start = System.nanoTime();
    sigterm(server.process);
    boolean exited = server.process.waitFor(EXIT_MARGIN_MILLIS, TimeUnit.MILLISECONDS);
    long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

    assertThat(exited).as("an idle server exits without waiting for its grace period; output:%n%s",
        server.output.text()).isTrue();
    assertThat(server.process.exitValue()).isIn(143, 0);
    System.out.printf("SIGTERM on an idle server: exited in %d ms%n", took);
  }

  @Test
  void anInvalidHeartbeatStopsStartUpWithOneLineNamingTheVariableAndTheValue() throws Exception {
    Process process = launch(Map.of("HEARTBEAT_MS", "abc", "PORT", "0"));
    LineRecorder output = LineRecorder.record("emitron", process.getInputStream());
    assertThat(process.waitFor(START.toMillis(), TimeUnit.MILLISECONDS)).isTrue();

    assertThat(process.exitValue()).isNotZero();
    List<String> lines = output.awaitEnd(Duration.ofSeconds(5)).stream().filter(line -> !line.isBlank()).toList();
    assertThat(lines).as("output").hasSize(1);
    assertThat(lines.get(0)).contains("HEARTBEAT_MS").contains("'abc'");
  }

  @Test
  void withLogFormatJsonEveryLineIsOneJsonObjectAndStartAndStopAreOneLineEach() throws Exception {
    Server server = start(Map.of("LOG_FORMAT", "json", "LOG_LEVEL", "info"));
    Publishing.publish(server.uri(), "logs", "{\"quiet\":true}");
    sigterm(server.process);
    assertThat(server.process.waitFor(START.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    List<String> lines = server.output.awaitEnd(Duration.ofSeconds(5));
    com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
    List<String> messages = new ArrayList<>();
    for (String line : lines) {
      com.fasterxml.jackson.databind.JsonNode node = json.readTree(line);
      assertThat(node.isObject()).as(line).isTrue();
      assertThat(node.fieldNames()).toIterable().contains("time", "level", "logger", "thread", "message");
      messages.add(node.get("message").asText());
    }
    // One line at start (plus the warning that publishing is open), one at stop, none per message.
    assertThat(messages).filteredOn(m -> m.startsWith("emitron listening on")).hasSize(1);
    assertThat(messages).filteredOn(m -> m.startsWith("emitron stopped in")).hasSize(1);
    assertThat(messages).as("lines: %s", lines).hasSize(3);
  }

  @Test
  void anInvalidLogLevelStopsStartUpWithOneLineNamingIt() throws Exception {
    Process process = launch(Map.of("LOG_LEVEL", "loud", "PORT", "0"));
    LineRecorder output = LineRecorder.record("emitron", process.getInputStream());
    assertThat(process.waitFor(START.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
    assertThat(process.exitValue()).isEqualTo(2);
    assertThat(output.awaitEnd(Duration.ofSeconds(5))).filteredOn(line -> !line.isBlank())
        .singleElement().asString().contains("LOG_LEVEL").contains("'loud'");
  }

  @Test
  void anOpenStreamHoldsNoOutputBufferOfItsOwn() throws Exception {
    // Jetty keeps a response's output aggregation buffer (32 KiB, direct) until the response ends: for
    // an event stream, for its whole life. The server turns aggregation off; this measures, in the
    // server's own process, that streams which have written leave no such buffer behind.
    Server server = start(Map.of());
    URI metrics = server.uri().resolve("metrics");
    double before = MetricsIT.value(Publishing.get(metrics), "jvm_buffer_memory_used_bytes{id=\"direct\"}");
    int streams = 300;
    List<SseClient> clients = new ArrayList<>();
    try {
      for (int i = 0; i < streams; i++) {
        SseClient client = SseClient.connect(server.uri(), "/sub/held");
        clients.add(client);
        client.awaitLastEventId(Duration.ofSeconds(10));
      }
      String id = Publishing.publish(server.uri(), "held", "{\"pad\":\"" + "x".repeat(1000) + "\"}");
      for (SseClient client : clients) {
        assertThat(client.takeEvent().id()).isEqualTo(id);
      }
      double after = MetricsIT.value(Publishing.get(metrics), "jvm_buffer_memory_used_bytes{id=\"direct\"}");
      // With a buffer per stream this would grow by at least 300 × 32 KiB = 9.6 MiB.
      assertThat(after - before).isLessThan(streams * 8 * 1024.0);
    } finally {
      clients.forEach(SseClient::close);
    }
  }

  @Test
  void twoJarsOnOneRedisShareTopicsAndABrowserStyleClientResumesOnTheOther() throws Exception {
    Server a = start(Map.of("REDIS_URL", redis.uri()));
    Server b = start(Map.of("REDIS_URL", redis.uri()));
    assertThat(RawHttp.request(a.uri(), "GET", "/health", Map.of(), null).bodyText())
        .contains("\"transport\":\"redis\"", "\"redis\":\"up\"");

    try (SseClient client = SseClient.connect(a.uri(), "/sub/jars")) {
      client.awaitLastEventId(Duration.ofSeconds(10));
      String first = Publishing.publish(b.uri(), "jars", "{\"n\":1}");
      assertThat(client.takeEvent().id()).isEqualTo(first);

      // The browser's connection drops; it reconnects to the other instance with its Last-Event-ID.
      client.disconnect();
      String second = Publishing.publish(b.uri(), "jars", "{\"n\":2}");
      SseClient resumed = SseClient.connect(b.uri(), "/sub/jars", Map.of("Last-Event-ID", first));
      try (resumed) {
        assertThat(resumed.header("Emitron-Recovered")).isEqualTo("true");
        assertThat(resumed.takeEvent().id()).isEqualTo(second);
        String third = Publishing.publish(a.uri(), "jars", "{\"n\":3}");
        assertThat(resumed.takeEvent().id()).isEqualTo(third);
        resumed.assertExhausted();
      }
    }
  }

  @Test
  void aBadRedisUrlStopsStartUpWithOneLineNamingTheVariable() throws Exception {
    for (String url : List.of("http://localhost:6379", "redis://127.0.0.1:1")) {
      Process process = launch(Map.of("REDIS_URL", url, "PORT", "0"));
      LineRecorder output = LineRecorder.record("emitron", process.getInputStream());
      assertThat(process.waitFor(START.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
      assertThat(process.exitValue()).isNotZero();
      List<String> lines = output.awaitEnd(Duration.ofSeconds(5)).stream()
          .filter(line -> line.startsWith("emitron:")).toList();
      assertThat(lines).as("output for %s", url).hasSize(1);
      assertThat(lines.get(0)).contains("REDIS_URL");
    }
  }

  // helpers

  /** The body without comment lines (heartbeats), which may come between and after events. */
  private static String withoutComments(String body) {
    return body.replaceAll("(?m)^:[^\n]*\n", "");
  }

  /**
   * Sends SIGTERM. Through the {@link ProcessHandle}, because {@link Process#destroy()} also closes the
   * pipes of the child's output, and the test wants to read what the server prints while it stops.
   */
  private static void sigterm(Process process) {
    assertThat(process.toHandle().destroy()).as("SIGTERM sent").isTrue();
  }

  private record Server(Process process, LineRecorder output, int port) {
    URI uri() {
      return URI.create("http://127.0.0.1:" + port + "/");
    }
  }

  /** Starts the jar on a free port of 127.0.0.1 and waits until it listens. */
  private Server start(Map<String, String> env) throws IOException {
    Map<String, String> all = new HashMap<>(env);
    all.put("HOST", "127.0.0.1");
    all.put("PORT", "0");
    Process process = launch(all);
    LineRecorder output = LineRecorder.record("emitron", process.getInputStream());
    int port = Integer.parseInt(output.await(LISTENING, START).group(1));
    return new Server(process, output, port);
  }

  private Process launch(Map<String, String> env) throws IOException {
    assertThat(JAR).as("the shaded jar (built by the package phase)").exists();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", JAR.toAbsolutePath().toString())
        .redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    // The server reads only its own variables; clear any that the build's environment may set.
    environment.keySet().removeIf(name -> ServerConfigNames.ALL.contains(name));
    environment.putAll(env);
    Process process = builder.start();
    processes.add(process);
    process.getOutputStream().close();
    return process;
  }

  /** The variables the standalone server reads. */
  private static final class ServerConfigNames {
    static final List<String> ALL = List.of("PORT", "HOST", "REDIS_URL", "CHANNEL_PREFIX", "HEARTBEAT_MS",
        "RETRY_MS", "REPLAY_MAX", "CORS_ORIGINS", "MAX_BODY_BYTES", "MAX_PENDING_BYTES", "SHUTDOWN_GRACE_MS",
        "MAX_CONNECTIONS", "PUBLISH_TOKEN", "JWT_SECRET", "JWT_PUBLIC_KEY", "SUBSCRIBE_OPEN", "LOG_LEVEL",
        "LOG_FORMAT", "CONSOLE");
  }
}
