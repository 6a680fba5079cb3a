package dev.emitron.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real Redis for tests: starts its own {@code redis-server} from the {@code PATH} on a free loopback
 * port, with no persistence ({@code --save "" --appendonly no}) in a temporary directory, and can stop,
 * restart (on the same port, empty) and kill it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final RedisServerExtension redis = new RedisServerExtension();
 *
 * @Test
 * void works() {
 *   Emitron emitron = Emitron.builder().transport(RedisTransport.factory(redis.uri())).build();
 *   redis.commands().xlen("emitron:{news}:buf");
 * }
 * }</pre>
 *
 * <p>Register it on a {@code static} field: the server starts before the class's first test and is
 * torn down (with its directory) after the last; before each test it is started again if a test left
 * it stopped. When no {@code redis-server} is on the {@code PATH} the tests are skipped with a message
 * saying so, unless the system property {@code emitron.requireRedis} or the environment variable
 * {@code EMITRON_REQUIRE_REDIS} is {@code true}, in which case they fail. There is no Testcontainers
 * fallback: it would need a Docker engine and a heavy dependency, and a test that stops and cuts Redis
 * needs the process in its own hands anyway. Install Redis 7 ({@code apt-get install redis-server}).
 *
 * <p>Not thread-safe: drive it from the test thread.
 */
public final class RedisServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, TestedRedis {

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);

  private /* @Nullable */ Path executable;
  private /* @Nullable */ Path directory;
  private int port;
  private /* @Nullable */ Process process;
  private /* @Nullable */ RedisClient client;
  private /* @Nullable */ StatefulRedisConnection<String, String> connection;
  private /* @Nullable */ Thread reaper;
  private /* @Nullable */ String skipReason;

  /** Whether Redis tests must fail, rather than be skipped, when no Redis can be started. */
  public static boolean redisRequired() {
    return Boolean.getBoolean("emitron.requireRedis")
        || "true".equalsIgnoreCase(System.getenv("EMITRON_REQUIRE_REDIS"));
  }

  /** Finds {@code redis-server} on the {@code PATH}. */
  public static Optional<Path> findRedisServer() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, "redis-server");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    Optional<Path> found = findRedisServer();
    skipReason = null;
    if (found.isEmpty()) {
      String message = "No redis-server on the PATH, so the Redis tests of "
          + context.getDisplayName() + " cannot run (install Redis 7: apt-get install redis-server)";
      if (redisRequired()) {
        throw new IllegalStateException(message + "; failing because emitron.requireRedis / "
            + "EMITRON_REQUIRE_REDIS is true");
      }
      // Each test is then reported as skipped with this message (an abort here would hide the count).
      skipReason = message + "; skipping. Set EMITRON_REQUIRE_REDIS=true to fail instead.";
      System.err.println("[emitron] " + skipReason);
      return;
    }
    executable = found.get();
    directory = Files.createTempDirectory("emitron-redis-");
    reaper = new Thread(this::destroyNow, "redis-server-reaper");
    Runtime.getRuntime().addShutdownHook(reaper);
    for (int attempt = 1; ; attempt++) {
      port = freePort();
      try {
        start();
        return;
      } catch (IllegalStateException e) {
        if (attempt == 3) {
          throw e; // another process may have taken the free port meanwhile; give up after three tries
        }
      }
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (skipReason != null) {
      Assumptions.abort(skipReason);
    }
    if (executable != null && !isRunning()) {
      start();
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    if (connection != null) {
      connection.close();
      connection = null;
    }
    if (client != null) {
      client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
      client = null;
    }
    stop();
    if (reaper != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(reaper);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway
      }
      reaper = null;
    }
    if (directory != null) {
      try (Stream<Path> files = Files.walk(directory)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
      directory = null;
    }
  }

  @Override
  public long xlen(String key) {
    return commands().xlen(key);
  }

  @Override
  public long exists(String key) {
    return commands().exists(key);
  }

  @Override
  public List<io.lettuce.core.StreamMessage<String, String>> xrange(String key) {
    return commands().xrange(key, io.lettuce.core.Range.create("-", "+"));
  }

  @Override
  public void xadd(String key, String id, java.util.Map<String, String> body) {
    commands().xadd(key, new io.lettuce.core.XAddArgs().id(id), body);
  }

  @Override
  public long subscribers(String channel) {
    return commands().pubsubNumsub(channel).getOrDefault(channel, 0L);
  }

  @Override
  public List<String> channels() {
    return commands().pubsubChannels();
  }

  @Override
  public long patterns() {
    return commands().pubsubNumpat();
  }

  @Override
  public void flushAll() {
    commands().flushall();
  }

  @Override
  public void scriptFlush() {
    commands().scriptFlush();
  }

  /** The URL of the server: {@code redis://127.0.0.1:<port>}. */
  @Override
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** The server's port; the same across restarts. */
  public int port() {
    return port;
  }

  /** Whether the server process is alive. */
  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  /**
   * Synchronous commands on a plain Lettuce connection of the harness, for inspecting and cutting
   * things ({@code XLEN}, {@code PUBSUB CHANNELS}, {@code CLIENT KILL}, {@code FLUSHALL}). It
   * reconnects by itself after a restart.
   */
  public RedisCommands<String, String> commands() {
    if (connection == null) {
      RedisURI uri = RedisURI.create(uri());
      uri.setTimeout(Duration.ofSeconds(5));
      client = RedisClient.create(uri);
      client.setOptions(ClientOptions.builder().autoReconnect(true).build());
      connection = client.connect();
    }
    return connection.sync();
  }

  /** Starts the server (empty) and waits until it answers {@code PING}. */
  public void start() {
    if (isRunning()) {
      return;
    }
    List<String> command = List.of(executable.toString(),
        "--port", Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
        "--dir", directory.toString(), "--daemonize", "no", "--protected-mode", "no");
    File log = directory.resolve("redis.log").toFile();
    try {
      process = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + command, e);
    }
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (!answersPing()) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        String output = readQuietly(log.toPath());
        destroyNow();
        throw new IllegalStateException("redis-server did not start on port " + port + ":\n" + output);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10)); // polling the process start-up
    }
  }

  /** Stops the server gracefully (SIGTERM): it closes every connection, and its data is gone. */
  public void stop() {
    Process running = process;
    if (running == null) {
      return;
    }
    if (running.isAlive()) {
      signal("-CONT");
    }
    running.destroy();
    await(running);
    process = null;
  }

  /** Kills the server (SIGKILL), as a crash would. */
  public void kill() {
    Process running = process;
    if (running == null) {
      return;
    }
    running.destroyForcibly();
    await(running);
    process = null;
  }

  /**
   * Freezes the server (SIGSTOP): connections stay open but nothing answers, as with a hung host.
   * {@link #thaw()} resumes it; a frozen server is thawed before it is stopped.
   */
  public void freeze() {
    signal("-STOP");
  }

  /** Resumes a frozen server (SIGCONT). */
  public void thaw() {
    signal("-CONT");
  }

  private void signal(String signal) {
    Process running = process;
    if (running == null) {
      throw new IllegalStateException("redis-server is not running");
    }
    try {
      Process kill = new ProcessBuilder("kill", signal, Long.toString(running.pid())).inheritIO().start();
      if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill " + signal + " " + running.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Stops the server and starts it again, empty, on the same port. */
  public void restart() {
    stop();
    start();
  }

  private void destroyNow() {
    Process running = process;
    if (running != null) {
      running.destroyForcibly();
    }
  }

  private static void await(Process running) {
    try {
      if (!running.waitFor(10, TimeUnit.SECONDS)) {
        running.destroyForcibly();
        running.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int read = 0;
      while (read < reply.length) {
        int n = in.read(reply, read, reply.length - read);
        if (n < 0) {
          break;
        }
        read += n;
      }
      return new String(reply, 0, read, StandardCharsets.US_ASCII).startsWith("+PONG");
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      return "(no output: " + e.getMessage() + ")";
    }
  }
}
