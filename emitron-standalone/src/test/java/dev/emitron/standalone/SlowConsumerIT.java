package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.emitron.core.Topic;
import dev.emitron.core.testing.SseClient;
import dev.emitron.core.testing.SseEvent;
import dev.emitron.core.testing.SseEventReader;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A subscriber that stops reading is cut once its unsent bytes pass MAX_PENDING_BYTES, without slowing
 * the others; it then resumes from the replay buffer with its last event id.
 */
class SlowConsumerIT {

  static final int READERS = 100;
  static final int MESSAGES = 10_000;
  static final int PENDING_BOUND = 64 * 1024;
  // 10,000 messages of about 1 KB: more than the kernel buffers of a stalled socket on loopback (4 MiB)
  // plus the bound, so the stalled subscriber must be cut by emitron.
  static final String PAD = "x".repeat(1000);
  static final ObjectMapper JSON = new ObjectMapper();

  EmitronServer server;

  protected EmitronServer startServer(Map<String, String> env) {
    return EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
  }

  @BeforeEach
  void start() {
    server = startServer(Map.of("PORT", "0", "HOST", "127.0.0.1", "REPLAY_MAX", Integer.toString(MESSAGES),
        "MAX_PENDING_BYTES", Integer.toString(PENDING_BOUND), "HEARTBEAT_MS", "2000"));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] readUntilClosed(Socket socket) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buffer = new byte[65536];
    try (InputStream in = socket.getInputStream()) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        bytes.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // A reset after the server gave up on the connection: keep what arrived.
    }
    return bytes.toByteArray();
  }

  /** Decodes a chunked body that may be cut anywhere. */
  private static byte[] dechunk(byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < body.length) {
      int lineEnd = indexOf(body, i);
      if (lineEnd < 0) {
        break;
      }
      String size = new String(body, i, lineEnd - i, StandardCharsets.US_ASCII).split(";")[0].trim();
      int length = Integer.parseInt(size, 16);
      if (length == 0) {
        break;
      }
      int start = lineEnd + 2;
      int available = Math.min(length, body.length - start);
      out.write(body, start, available);
      i = start + length + 2;
    }
    return out.toByteArray();
  }

  private static int indexOf(byte[] body, int from) {
    for (int i = from; i + 1 < body.length; i++) {
      if (body[i] == '\r' && body[i + 1] == '\n') {
        return i;
      }
    }
    return -1;
  }

  @Test
  void aStalledSubscriberIsCutAndResumesWhileTheOthersReceiveEverythingInOrder() throws Exception {
    String topic = "slow-" + System.nanoTime();
    URI base = server.uri();

    Socket stalled = new Socket();
    stalled.setReceiveBufferSize(4096);
    stalled.connect(new InetSocketAddress(base.getHost(), base.getPort()), 5000);
    OutputStream out = stalled.getOutputStream();
    out.write(("GET /sub/" + topic + " HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();

    List<SseClient> readers = new ArrayList<>();
    for (int i = 0; i < READERS; i++) {
      readers.add(SseClient.connect(base, "/sub/" + topic));
    }
    await().atMost(Duration.ofSeconds(20))
        .until(() -> server.emitron().localSubscribers(Topic.of(topic)) == READERS + 1);

    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Future<?> publisher = pool.submit(() -> {
        HttpClient http = HttpClient.newHttpClient();
        for (int seq = 1; seq <= MESSAGES; seq++) {
          HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve("pub/" + topic))
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString("{\"data\":{\"seq\":" + seq + ",\"pad\":\"" + PAD + "\"}}"))
              .build(), HttpResponse.BodyHandlers.ofString());
          assertThat(response.statusCode()).isEqualTo(200);
        }
        return null;
      });
      List<Future<?>> checks = new ArrayList<>();
      for (SseClient reader : readers) {
        checks.add(pool.submit(() -> {
          for (int seq = 1; seq <= MESSAGES; seq++) {
            SseEvent event = reader.takeEvent(Duration.ofSeconds(30));
            assertThat(JSON.readTree(event.data()).get("seq").asInt()).isEqualTo(seq);
          }
          return null;
        }));
      }
      publisher.get(5, TimeUnit.MINUTES);
      // The stalled subscriber was let go as soon as its bound was passed, long before the run ended.
      await().atMost(Duration.ofSeconds(30))
          .until(() -> server.emitron().localSubscribers(Topic.of(topic)) == READERS);
      assertThat(MetricsIT.value(Publishing.get(base.resolve("metrics")),
          "emitron_streams_closed_total{reason=\"slow_consumer\"}")).isEqualTo(1);
      for (Future<?> check : checks) {
        check.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    for (SseClient reader : readers) {
      reader.assertExhausted();
      reader.close();
    }

    // Reading the stalled socket now drains what the kernel held and then the end of the response.
    List<SseEvent> received = new ArrayList<>();
    SseEventReader parser = new SseEventReader(new SseEventReader.Listener() {
      @Override
      public void onEvent(SseEvent event) {
        received.add(event);
      }
    });
    // The cut stream may end anywhere, even inside a frame (the connection is closed once it made no
    // progress for two heartbeats); a client's parser drops an incomplete event, as this one does.
    stalled.setSoTimeout(60_000);
    byte[] raw = readUntilClosed(stalled);
    stalled.close();
    String text = new String(raw, StandardCharsets.ISO_8859_1);
    assertThat(text).startsWith("HTTP/1.1 200");
    parser.feed(dechunk(Arrays.copyOfRange(raw, text.indexOf("\r\n\r\n") + 4, raw.length)));
    parser.end();
    List<Integer> seqs = new ArrayList<>();
    for (SseEvent event : received) {
      seqs.add(JSON.readTree(event.data()).get("seq").asInt());
    }
    assertThat(seqs).isNotEmpty().hasSizeLessThan(MESSAGES);
    for (int i = 0; i < seqs.size(); i++) {
      assertThat(seqs.get(i)).isEqualTo(i + 1);
    }

    String lastId = parser.lastEventId();
    try (SseClient resumed = SseClient.connect(base, "/sub/" + topic, Map.of("Last-Event-ID", lastId))) {
      assertThat(resumed.header("Emitron-Recovered")).isEqualTo("true");
      for (int seq = seqs.size() + 1; seq <= MESSAGES; seq++) {
        assertThat(JSON.readTree(resumed.takeEvent().data()).get("seq").asInt()).isEqualTo(seq);
      }
      resumed.assertExhausted();
    }
  }
}
