package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.Topic;
import dev.emitron.core.testing.SseClient;
import dev.emitron.core.testing.SseEvent;
import dev.emitron.redis.RedisServerExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two instances on one Redis behind a real nginx (Debian's, started here on loopback ports), configured
 * with the README's snippet: events pass at once, a stream cut at the proxy resumes on the other instance
 * without a gap, and a proxy left with its default buffering still passes each event at once because the
 * server sends {@code X-Accel-Buffering: no}.
 *
 * <p>Missing nginx skips these tests, or fails them when {@code EMITRON_REQUIRE_NGINX=true}.
 */
class NginxIT {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private static final Path README = Path.of(System.getProperty("emitron.readme", "../README.md"));
  private static final Duration AT_ONCE = Duration.ofSeconds(1);
  private static final int MESSAGES = 30;

  private static EmitronServer a;
  private static EmitronServer b;
  private static Process nginx;
  private static Path dir;
  private static URI recommended;
  private static URI buffered;
  private static URI ignoringHeader;

  @BeforeAll
  static void start() throws Exception {
    Path executable = ExternalTool.require("EMITRON_REQUIRE_NGINX", "apt-get install nginx",
        List.of("nginx", "/usr/sbin/nginx"));
    if (!redis.isRunning()) {
      return; // no redis-server: the extension skips (or fails) every test
    }
    Map<String, String> env = Map.of("HOST", "127.0.0.1", "PORT", "0", "REDIS_URL", redis.uri(),
        "HEARTBEAT_MS", "5000");
    a = EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
    b = EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
    dir = Files.createTempDirectory("emitron-nginx-");
    int[] ports = {freePort(), freePort(), freePort()};
    recommended = URI.create("http://127.0.0.1:" + ports[0] + "/");
    buffered = URI.create("http://127.0.0.1:" + ports[1] + "/");
    ignoringHeader = URI.create("http://127.0.0.1:" + ports[2] + "/");
    String snippet = readmeNginxSnippet()
        .replace("127.0.0.1:3001", "127.0.0.1:" + a.port())
        .replace("127.0.0.1:3002", "127.0.0.1:" + b.port())
        .replace("listen 80;", "listen 127.0.0.1:" + ports[0] + ";");
    String temp = dir.toString();
    String conf = "daemon off;\nmaster_process off;\nworker_processes 1;\npid " + temp + "/nginx.pid;\n"
        + "error_log " + temp + "/error.log warn;\n"
        + "events { worker_connections 512; }\n"
        + "http {\n  access_log off;\n"
        + "  client_body_temp_path " + temp + "/body;\n  proxy_temp_path " + temp + "/proxy;\n"
        + "  fastcgi_temp_path " + temp + "/fastcgi;\n  uwsgi_temp_path " + temp + "/uwsgi;\n"
        + "  scgi_temp_path " + temp + "/scgi;\n\n"
        + snippet + "\n"
        // nginx's defaults: HTTP/1.0 to the upstream, proxy_buffering on.
        + "  server {\n    listen 127.0.0.1:" + ports[1] + ";\n"
        + "    location / { proxy_pass http://emitron; }\n  }\n"
        // The control: buffering on, and the server's X-Accel-Buffering header ignored.
        + "  server {\n    listen 127.0.0.1:" + ports[2] + ";\n"
        + "    location / { proxy_pass http://emitron; proxy_ignore_headers X-Accel-Buffering; }\n  }\n"
        + "}\n";
    Path confFile = dir.resolve("nginx.conf");
    Files.writeString(confFile, conf);
    nginx = new ProcessBuilder(executable.toString(), "-e", temp + "/error.log", "-p", temp, "-c",
        confFile.toString())
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("stdout.log").toFile())
        .start();
    for (int port : ports) {
      await().atMost(Duration.ofSeconds(10)).until(() -> listening(port) || !nginx.isAlive());
    }
    assertThat(nginx.isAlive()).as("nginx runs; its log:%n%s%nconfig:%n%s", log(), conf).isTrue();
  }

  @AfterAll
  static void stop() throws Exception {
    if (nginx != null) {
      nginx.destroy();
      if (!nginx.waitFor(10, TimeUnit.SECONDS)) {
        nginx.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    }
    if (a != null) {
      a.close();
    }
    if (b != null) {
      b.close();
    }
    if (dir != null) {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(file -> file.toFile().delete());
      }
    }
  }

  @Test
  void eachEventPublishedOnEitherInstanceReachesTheClientThroughNginxWithinASecond() {
    List<Long> millis = latencies(recommended, "nginx/latency");
    System.out.println("Event latency through nginx (README config), " + summary(millis));
    assertThat(Collections.max(millis)).isLessThan(AT_ONCE.toMillis());
  }

  @Test
  void aProxyWithItsDefaultBufferingStillPassesEachEventAtOnceThanksToXAccelBuffering() {
    List<Long> millis = latencies(buffered, "nginx/buffered");
    System.out.println("Event latency through nginx (default buffering), " + summary(millis));
    assertThat(Collections.max(millis)).isLessThan(AT_ONCE.toMillis());
  }

  /**
   * The control: with the header ignored, nginx's default buffering holds the stream back (here even its
   * head), so the test above shows the header at work.
   */
  @Test
  void whenNginxIgnoresXAccelBufferingTheEventIsHeldBack() throws Exception {
    String topic = "nginx/ignored-header";
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), ignoringHeader.getPort()), 5000);
      socket.getOutputStream().write(("GET /sub/" + topic + " HTTP/1.1\r\nHost: localhost\r\n"
          + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(topic) == 1);
      String id = Publishing.publish(a.uri(), topic, "{\"held\":true}");
      socket.setSoTimeout((int) AT_ONCE.toMillis());
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      try {
        int n;
        while ((n = socket.getInputStream().read(buffer)) >= 0) {
          received.write(buffer, 0, n);
        }
      } catch (SocketTimeoutException expected) {
        // nothing more within a second
      }
      assertThat(received.toString(StandardCharsets.UTF_8)).doesNotContain(id);
    }
  }

  @Test
  void aStreamCutAtTheProxyResumesOnTheOtherInstanceWithoutAGap() {
    String topic = "nginx/cut";
    SseClient client = SseClient.connect(recommended, "/sub/" + topic);
    List<SseClient> opened = new ArrayList<>(List.of(client));
    try {
      assertThat(client.status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(topic) == 1);
      EmitronServer first = subscribers(a, topic) == 1 ? a : b;
      EmitronServer second = first == a ? b : a;
      List<String> ids = new ArrayList<>();
      for (int n = 1; n <= 3; n++) {
        ids.add(Publishing.publish(first.uri(), topic, "{\"n\":" + n + "}"));
      }
      for (int n = 1; n <= 3; n++) {
        assertThat(client.takeEvent().id()).isEqualTo(ids.get(n - 1));
      }

      // The client's connection to nginx drops; what is published meanwhile, it misses.
      client.disconnect();
      for (int n = 4; n <= 8; n++) {
        ids.add(Publishing.publish(n % 2 == 0 ? first.uri() : second.uri(), topic, "{\"n\":" + n + "}"));
      }
      SseClient resumed = client.reconnect();
      opened.add(resumed);
      assertThat(resumed.status()).isEqualTo(200);
      assertThat(resumed.header("Emitron-Recovered")).isEqualTo("true");
      await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(second, topic) == 1);
      ids.add(Publishing.publish(first.uri(), topic, "{\"n\":9}"));
      for (int n = 4; n <= 9; n++) {
        SseEvent event = resumed.takeEvent();
        assertThat(event.id()).isEqualTo(ids.get(n - 1));
        assertThat(event.data()).isEqualTo("{\"n\":" + n + "}");
      }
      resumed.assertExhausted();
    } finally {
      opened.forEach(SseClient::close);
    }
  }

  /** Publishes {@link #MESSAGES} messages, alternately on each instance, and times each one's arrival. */
  private static List<Long> latencies(URI proxy, String topic) {
    List<Long> millis = new ArrayList<>();
    try (SseClient client = SseClient.connect(proxy, "/sub/" + topic)) {
      assertThat(client.status()).isEqualTo(200);
      await().atMost(Duration.ofSeconds(10)).until(() -> subscribers(topic) == 1);
      for (int n = 0; n < MESSAGES; n++) {
        long start = System.nanoTime();
        String id = Publishing.publish(n % 2 == 0 ? a.uri() : b.uri(), topic, "{\"n\":" + n + "}");
        SseEvent event = client.takeEvent(Duration.ofSeconds(10));
        millis.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        assertThat(event.id()).isEqualTo(id);
      }
      client.assertExhausted();
    }
    return millis;
  }

  private static int subscribers(String topic) {
    return subscribers(a, topic) + subscribers(b, topic);
  }

  private static int subscribers(EmitronServer server, String topic) {
    return server.emitron().localSubscribers(Topic.of(topic));
  }

  private static String summary(List<Long> millis) {
    List<Long> sorted = new ArrayList<>(millis);
    Collections.sort(sorted);
    return String.format("%d events, publish to arrival: median %d ms, p90 %d ms, max %d ms", sorted.size(),
        sorted.get(sorted.size() / 2), sorted.get((int) (sorted.size() * 0.9)), sorted.get(sorted.size() - 1));
  }

  /** The {@code nginx} code block of the README's "Behind nginx" section. */
  static String readmeNginxSnippet() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("## Behind nginx");
    assertThat(section).as("README has a 'Behind nginx' section").isNotNegative();
    Matcher block = Pattern.compile("```nginx\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find(section)).as("an nginx block in 'Behind nginx'").isTrue();
    return block.group(1);
  }

  private static boolean listening(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static String log() {
    try {
      return Files.readString(dir.resolve("error.log")) + Files.readString(dir.resolve("stdout.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }
}
