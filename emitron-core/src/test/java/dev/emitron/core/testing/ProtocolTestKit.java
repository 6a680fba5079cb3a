package dev.emitron.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emitron.core.Emitron;
import dev.emitron.core.MessageId;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The HTTP protocol of DESIGN §2 and the field cases, end to end over real sockets against a running
 * emitron servlet, read with a spec-conforming SSE client and checked message by message.
 *
 * <p>A transport or a host container proves itself by extending this kit and saying how to start a
 * server for an environment ({@link #startServer}): the standalone server's {@code MemoryProtocolIT} and
 * {@code RedisProtocolIT} (Jetty, mounted at {@code /}), the Spring Boot example's
 * {@code SpringBootProtocolIT} (Tomcat, mounted at {@code /events/}). Tests share one server (every test
 * uses topics of its own) and start their own where they need other settings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
public abstract class ProtocolTestKit {

  /**
   * A started server under test. Request targets of the kit ({@code /sub/...}, {@code /health}) are
   * relative to where the servlet is mounted: {@link #uri()}'s path is prefixed to them on the wire.
   */
  public interface Server extends AutoCloseable {

    /** Where the servlet is mounted, ending in {@code /}: {@code http://127.0.0.1:PORT/}, {@code .../events/}. */
    URI uri();

    /** The number of open SSE streams of the servlet. */
    int openStreams();

    /** The emitron instance behind the servlet. */
    Emitron emitron();

    /** Stops the server; idempotent. */
    @Override
    void close();
  }

  /** {@code REPLAY_MAX} of the shared server: the field cases' C. */
  static final int C = 20;
  static final int HEARTBEAT_MS = 200;
  static final int RETRY_MS = 1500;
  static final int MAX_BODY_BYTES = 4096;
  static final String ORIGIN = "https://app.example";
  static final String OTHER_ORIGIN = "https://other.example";
  static final Duration WAIT = Duration.ofSeconds(10);

  private static final AtomicInteger TOPICS = new AtomicInteger();
  private static final Pattern ID = Pattern.compile("[0-9]+-[0-9]+");

  protected final ObjectMapper json = new ObjectMapper();
  private final List<SseClient> clients = new ArrayList<>();
  private final String run = Long.toString(System.nanoTime() % 1_000_000, 36);

  private Server server;
  private URI base;
  private HttpClient http;

  /**
   * Creates and starts a server for {@code env} (the environment variables of DESIGN §4, always with
   * {@code PORT=0}). The kit closes it.
   */
  protected abstract Server startServer(Map<String, String> env);

  /** The transport name {@code /health} reports. */
  protected abstract String transportName();

  /**
   * Raw topic spellings of {@link #topicNames()} that the container refuses with 400 before the servlet
   * runs, although emitron itself accepts them; for these the kit expects 400 with a JSON error body on
   * every route. None by default. Tomcat refuses raw non-ASCII bytes and a raw backslash in a request
   * target (RFC 3986 allows neither; clients percent-encode them).
   */
  protected Set<String> spellingsTheContainerRefuses() {
    return Set.of();
  }

  /** The environment of the shared server plus {@code overrides} (pairs of name and value). */
  protected Map<String, String> env(String... overrides) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("PORT", "0");
    env.put("HOST", "127.0.0.1");
    env.put("REPLAY_MAX", Integer.toString(C));
    env.put("HEARTBEAT_MS", Integer.toString(HEARTBEAT_MS));
    env.put("RETRY_MS", Integer.toString(RETRY_MS));
    env.put("MAX_BODY_BYTES", Integer.toString(MAX_BODY_BYTES));
    env.put("CORS_ORIGINS", ORIGIN + "," + OTHER_ORIGIN);
    env.put("SHUTDOWN_GRACE_MS", "2000");
    for (int i = 0; i < overrides.length; i += 2) {
      env.put(overrides[i], overrides[i + 1]);
    }
    return env;
  }

  @BeforeAll
  void startSharedServer() {
    server = startServer(env());
    base = server.uri();
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(WAIT).build();
  }

  @AfterAll
  void stopSharedServer() {
    if (server != null) {
      server.close();
    }
  }

  /** Every stream a test opened must have had every event taken: nothing unexpected arrived. */
  @AfterEach
  void closeClientsAfterCheckingTheyAreExhausted() {
    try {
      for (SseClient client : clients) {
        client.assertExhausted();
      }
    } finally {
      clients.forEach(SseClient::close);
      clients.clear();
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // README flows

  @Test
  void subscriberGetsRetryFrameThenEachPublishedMessageWithItsId() {
    String topic = topic("readme");
    SseClient client = subscribe("/sub/" + topic);
    assertThat(client.status()).isEqualTo(200);
    assertThat(client.header("Content-Type").toLowerCase(Locale.ROOT).replace(" ", ""))
        .isEqualTo("text/event-stream;charset=utf-8");
    assertThat(client.header("Cache-Control")).isEqualTo("no-cache, no-transform");
    assertThat(client.header("X-Accel-Buffering")).isEqualTo("no");
    assertThat(client.header("Emitron-Recovered")).as("not a resume").isNull();
    assertThat(client.awaitRetry(WAIT)).isEqualTo(RETRY_MS);
    assertThat(client.rawStream()).startsWith("retry: " + RETRY_MS + "\n\n");

    JsonNode response = publishBody(topic, "{\"data\":{\"title\":\"hello\"}}");
    assertThat(response.get("queue").asText()).isEqualTo(topic);
    assertThat(response.get("id").asText()).matches(ID);
    assertThat(response.get("localSubscribers").asInt()).isEqualTo(1);

    SseEvent event = client.takeEvent();
    assertThat(event.type()).isEqualTo("message");
    assertThat(event.id()).isEqualTo(response.get("id").asText());
    assertThat(parse(event.data())).isEqualTo(parse("{\"title\":\"hello\"}"));
    client.assertExhausted();
  }

  @Test
  void replayTenGivesExactlyTheLastTenInPublishOrderThenLive() {
    String topic = topic("replay");
    List<String> ids = publishNumbered(topic, 1, 15);
    SseClient client = subscribe("/sub/" + topic + "?replay=10");
    expectNumbered(client, ids.subList(5, 15), 6);
    client.assertExhausted();
    String live = publishData(topic, "{\"n\":16}");
    expectNumbered(client, List.of(live), 16);
    client.assertExhausted();
  }

  @Test
  void deletingTheBufferRemovesItsMessagesOnceAndIdsKeepIncreasing() {
    String topic = topic("delete");
    List<String> ids = publishNumbered(topic, 1, 3);

    JsonNode first = deleteBuffer(topic);
    assertThat(first.get("ok").asBoolean()).isTrue();
    assertThat(first.get("queue").asText()).isEqualTo(topic);
    assertThat(first.get("removed").isBoolean()).isTrue();
    assertThat(first.get("removed").asBoolean()).isTrue();
    assertThat(first.get("message").isTextual()).isTrue();
    assertThat(deleteBuffer(topic).get("removed").asBoolean()).isFalse();
    assertThat(deleteBuffer(topic("never-used")).get("removed").asBoolean()).isFalse();

    SseClient client = subscribe("/sub/" + topic + "?replay=10");
    assertThat(client.awaitLastEventId(WAIT)).as("the id-only frame keeps the head after a clear")
        .isEqualTo(ids.get(2));
    client.assertExhausted();
    String next = publishData(topic, "{\"n\":4}");
    assertThat(MessageId.parse(next).orElseThrow()).isGreaterThan(MessageId.parse(ids.get(2)).orElseThrow());
    expectNumbered(client, List.of(next), 4);
  }

  @Test
  void healthAnswers200WithJson() {
    RawHttp.Response response = RawHttp.request(base, "GET", "/health", Map.of(), null);
    assertThat(response.status()).isEqualTo(200);
    assertThat(response.header("Content-Type")).startsWith("application/json");
    JsonNode body = parse(response.bodyText());
    assertThat(body.get("ok").asBoolean()).isTrue();
    assertThat(body.get("transport").asText()).isEqualTo(transportName());
  }

  // ---------------------------------------------------------------------------------------------------
  // The seam between replay and live

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void replayAndResumeMeetLiveWithoutGapOrDuplicateUnderConcurrentPublishers() throws Exception {
    int publishers = 4;
    int perPublisher = 2500;
    int subscribers = 50;
    int total = publishers * perPublisher;
    long seed = System.nanoTime();
    Random random = new Random(seed);
    String why = "seed " + seed;

    try (Server seam = startServer(env("REPLAY_MAX", "10000", "HEARTBEAT_MS", "15000"))) {
      URI uri = seam.uri();
      String topic = topic("seam");

      // Subscriber s connects when the thresholds.get(n)-th publish is acknowledged.
      Map<Integer, Integer> thresholds = new HashMap<>();
      while (thresholds.size() < subscribers) {
        thresholds.putIfAbsent(1 + random.nextInt(total - 1), thresholds.size());
      }
      String[][] ids = new String[publishers][perPublisher];
      AtomicIntegerArray acked = new AtomicIntegerArray(publishers);
      AtomicInteger published = new AtomicInteger();
      SseClient[] streams = new SseClient[subscribers];
      String[] resumedFrom = new String[subscribers];
      long[] seeds = random.longs(subscribers).toArray();

      ExecutorService connectors = Executors.newFixedThreadPool(2);
      ExecutorService publishing = Executors.newFixedThreadPool(publishers);
      try {
        List<Future<?>> connecting = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Future<?>> publishingDone = new ArrayList<>();
        for (int p = 0; p < publishers; p++) {
          int publisher = p;
          publishingDone.add(publishing.submit(() -> {
            for (int seq = 0; seq < perPublisher; seq++) {
              ids[publisher][seq] = publishData(uri, topic, "{\"p\":" + publisher + ",\"seq\":" + seq + "}");
              acked.set(publisher, seq + 1);
              Integer subscriber = thresholds.get(published.incrementAndGet());
              if (subscriber != null) {
                connecting.add(connectors.submit(() -> {
                  Random pick = new Random(seeds[subscriber]);
                  String target = "/sub/" + topic + "?replay=10000";
                  if (subscriber % 2 == 1) {
                    int from;
                    do {
                      from = pick.nextInt(publishers);
                    } while (acked.get(from) == 0);
                    resumedFrom[subscriber] = ids[from][pick.nextInt(acked.get(from))];
                    target = "/sub/" + topic + "?lastEventId=" + resumedFrom[subscriber];
                  }
                  streams[subscriber] = SseClient.connect(uri, target);
                  return null;
                }));
              }
            }
            return null;
          }));
        }
        for (Future<?> done : publishingDone) {
          done.get(120, TimeUnit.SECONDS);
        }
        connectors.shutdown();
        assertThat(connectors.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        List<Future<?>> connected;
        synchronized (connecting) {
          connected = new ArrayList<>(connecting);
        }
        assertThat(connected).hasSize(subscribers);
        for (Future<?> done : connected) {
          done.get();
        }
      } finally {
        publishing.shutdownNow();
        connectors.shutdownNow();
        for (SseClient stream : streams) {
          if (stream != null) {
            clients.add(stream);
          }
        }
      }

      // What was published, in id order, and who published it.
      Map<String, String> dataById = new HashMap<>();
      List<String> all = new ArrayList<>(total);
      for (int p = 0; p < publishers; p++) {
        for (int seq = 0; seq < perPublisher; seq++) {
          all.add(ids[p][seq]);
          dataById.put(ids[p][seq], "{\"p\":" + p + ",\"seq\":" + seq + "}");
          if (seq > 0) {
            assertThat(id(ids[p][seq])).as("publisher %d's ids increase", p).isGreaterThan(id(ids[p][seq - 1]));
          }
        }
      }
      all.sort(Comparator.comparing(ProtocolTestKit::id));
      assertThat(Set.copyOf(all)).as("ids are unique").hasSize(total);
      String last = all.get(total - 1);

      for (int s = 0; s < subscribers; s++) {
        SseClient stream = streams[s];
        assertThat(stream.status()).as("subscriber %d, %s", s, why).isEqualTo(200);
        List<String> expected = all;
        if (resumedFrom[s] != null) {
          assertThat(stream.header("Emitron-Recovered")).as("subscriber %d resumed within the buffer", s)
              .isEqualTo("true");
          expected = all.subList(all.indexOf(resumedFrom[s]) + 1, total);
        }
        List<String> received = new ArrayList<>(expected.size());
        int[] lastSeq = new int[publishers];
        Arrays.fill(lastSeq, -1);
        while (received.isEmpty() || !received.get(received.size() - 1).equals(last)) {
          SseEvent event = stream.takeEvent(Duration.ofSeconds(30));
          assertThat(event.type()).isEqualTo("message");
          int at = received.size();
          if (at >= expected.size() || !expected.get(at).equals(event.id())) {
            fail("subscriber %d (%s, %s) diverged at #%d: expected %s, got %s (previous %s)", s,
                resumedFrom[s] == null ? "replay" : "resume after " + resumedFrom[s], why, at,
                at < expected.size() ? expected.get(at) : "nothing", event.id(),
                at == 0 ? "none" : received.get(at - 1));
          }
          assertThat(parse(event.data())).isEqualTo(parse(dataById.get(event.id())));
          JsonNode data = parse(event.data());
          int p = data.get("p").asInt();
          int seq = data.get("seq").asInt();
          if (lastSeq[p] >= 0) {
            assertThat(seq).as("subscriber %d, publisher %d", s, p).isEqualTo(lastSeq[p] + 1);
          }
          lastSeq[p] = seq;
          received.add(event.id());
        }
        assertThat(received).as("subscriber %d, %s", s, why).isEqualTo(expected);
        stream.assertExhausted();
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Resume

  @Test
  void resumeAfterDisconnectDeliversExactlyTheMissedMessages() {
    String topic = topic("resume");
    SseClient client = subscribe("/sub/" + topic);
    expectNumbered(client, publishNumbered(topic, 1, 2), 1);
    client.disconnect();
    List<String> missed = publishNumbered(topic, 3, 5);

    client.reconnect();
    assertThat(client.status()).isEqualTo(200);
    assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
    expectNumbered(client, missed, 3);
    client.assertExhausted();
    expectNumbered(client, List.of(publishData(topic, "{\"n\":8}")), 8);
  }

  @Test
  void lastEventIdQueryParameterResumesAFirstConnect() {
    String topic = topic("resume-query");
    List<String> ids = publishNumbered(topic, 1, 4);
    SseClient client = subscribe("/sub/" + topic + "?lastEventId=" + ids.get(1));
    assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
    expectNumbered(client, ids.subList(2, 4), 3);
    client.assertExhausted();
  }

  @Test
  void lastEventIdHeaderWinsOverTheQueryParameterAndAResumeWinsOverReplay() {
    String topic = topic("resume-precedence");
    List<String> ids = publishNumbered(topic, 1, 6);
    SseClient client = subscribe("/sub/" + topic + "?replay=1&lastEventId=" + ids.get(1),
        Map.of("Last-Event-ID", ids.get(3)));
    assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
    expectNumbered(client, ids.subList(4, 6), 5);
    client.assertExhausted();
  }

  @Test
  void emptyLastEventIdHeaderLeavesTheQueryParameterInCharge() {
    String topic = topic("resume-empty-header");
    List<String> ids = publishNumbered(topic, 1, 3);
    SseClient client = subscribe("/sub/" + topic + "?lastEventId=" + ids.get(0), Map.of("Last-Event-ID", ""));
    assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
    expectNumbered(client, ids.subList(1, 3), 2);
    client.assertExhausted();
  }

  @ParameterizedTest(name = "{0} messages before it connected")
  @ValueSource(ints = {0, 3})
  void clientThatReceivedNothingAndDroppedMissesNothingWhenItResumesLikeABrowser(int history) {
    String topic = topic("silent");
    List<String> before = publishNumbered(topic, 1, history);
    SseClient client = subscribe("/sub/" + topic);
    String position = client.awaitLastEventId(WAIT);
    if (history > 0) {
      assertThat(position).isEqualTo(before.get(history - 1));
    }
    client.assertExhausted();
    client.disconnect();
    List<String> missed = publishNumbered(topic, history + 1, 4);

    client.reconnect();
    assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
    expectNumbered(client, missed, history + 1);
    client.assertExhausted();
  }

  // ---------------------------------------------------------------------------------------------------
  // F01: resume with an id the server never issued

  static Stream<Arguments> idsNeverIssued() {
    return Stream.of(
        Arguments.of("does-not-exist", true),
        Arguments.of("99999999999999999999999999", true),
        Arguments.of("-1", true),
        Arguments.of("99999999999999-0", true),
        Arguments.of("1-1", true),
        Arguments.of("1-2-3", true),
        Arguments.of("0x10-0", true),
        Arguments.of("x".repeat(2000), true),
        Arguments.of("a\r\nevent: injected", false),
        Arguments.of("1700000000000-0\u0000", false),
        Arguments.of("\u4e2d-\u6587", false));
  }

  @ParameterizedTest(name = "[{index}] {0} as header: {1}")
  @MethodSource("idsNeverIssued")
  void resumeWithAnIdNeverIssuedSignalsTheGapThenSendsTheWholeBufferThenLive(String unknown, boolean asHeader) {
    String topic = topic("f01");
    List<String> ids = publishNumbered(topic, 1, 5);
    SseClient client = asHeader
        ? subscribe("/sub/" + topic, Map.of("Last-Event-ID", unknown))
        : subscribe("/sub/" + topic + "?lastEventId=" + URLEncoder.encode(unknown, StandardCharsets.UTF_8));
    assertThat(client.status()).isEqualTo(200);
    assertThat(client.header("Emitron-Recovered")).isEqualTo("false");
    expectGap(client, unknown, ids.get(0));
    expectNumbered(client, ids, 1);
    client.assertExhausted();
    expectNumbered(client, List.of(publishData(topic, "{\"n\":6}")), 6);
    assertThat(client.rawStream()).doesNotContain("\r");
    assertThat(client.rawStream().split("\n")).noneMatch(line -> line.startsWith("event: injected"));
  }

  @ParameterizedTest(name = "[{index}] \"{0}\"")
  @ValueSource(strings = {"Last-Event-ID: ", "Last-Event-ID:    ", "?lastEventId=", "?lastEventId=&replay=2"})
  void emptyLastEventIdIsTheSameAsNone(String how) {
    String topic = topic("f01-empty");
    List<String> ids = publishNumbered(topic, 1, 5);
    SseClient client = how.startsWith("?")
        ? subscribe("/sub/" + topic + how)
        : subscribe("/sub/" + topic, Map.of("Last-Event-ID", how.substring("Last-Event-ID:".length())));
    assertThat(client.status()).isEqualTo(200);
    assertThat(client.header("Emitron-Recovered")).isNull();
    if (how.endsWith("replay=2")) {
      expectNumbered(client, ids.subList(3, 5), 4);
    } else {
      assertThat(client.awaitLastEventId(WAIT)).isEqualTo(ids.get(4));
    }
    client.assertExhausted();
    expectNumbered(client, List.of(publishData(topic, "{\"n\":6}")), 6);
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @ValueSource(strings = {"never-published", "cleared"})
  void resumeWithAnUnknownIdOnAnEmptyBufferSignalsTheGapWithNoOldestThenLive(String state) {
    String topic = topic("f01-empty-buffer");
    if (state.equals("cleared")) {
      publishNumbered(topic, 1, 2);
      deleteBuffer(topic);
    }
    SseClient client = subscribe("/sub/" + topic, Map.of("Last-Event-ID", "does-not-exist"));
    assertThat(client.header("Emitron-Recovered")).isEqualTo("false");
    SseEvent gap = client.takeEvent();
    assertThat(gap.type()).isEqualTo("emitron.gap");
    assertThat(parse(gap.data())).isEqualTo(parse("{\"lastEventId\":\"does-not-exist\",\"oldest\":null}"));
    client.assertExhausted();
    expectNumbered(client, List.of(publishData(topic, "{\"n\":3}")), 3);
  }

  // ---------------------------------------------------------------------------------------------------
  // F02: the client fell further behind than the buffer holds

  @ParameterizedTest(name = "{0} published while away")
  @ValueSource(ints = {C - 1, C, C + 1, C + 2})
  void resumeAfterFallingBehindIsGaplessWhileTheBufferHoldsEverythingAfterTheIdAndSignalsTheGapOtherwise(
      int away) {
    String topic = topic("f02");
    SseClient client = subscribe("/sub/" + topic);
    String x1 = publishData(topic, "{\"n\":1}");
    expectNumbered(client, List.of(x1), 1);
    client.disconnect();
    List<String> later = publishNumbered(topic, 2, away);

    client.reconnect();
    boolean recovered = away <= C;
    assertThat(client.header("Emitron-Recovered")).isEqualTo(Boolean.toString(recovered));
    if (recovered) {
      expectNumbered(client, later, 2);
    } else {
      List<String> held = later.subList(later.size() - C, later.size());
      expectGap(client, x1, held.get(0));
      expectNumbered(client, held, 2 + later.size() - C);
    }
    client.assertExhausted();
    expectNumbered(client, List.of(publishData(topic, "{\"n\":" + (away + 2) + "}")), away + 2);
  }

  // ---------------------------------------------------------------------------------------------------
  // F04: the buffer bound

  @Test
  void replayGivesTheNewestMessagesWithinTheBound() {
    String topic = topic("f04");
    List<String> ids = publishNumbered(topic, 1, 20);

    SseClient five = subscribe("/sub/" + topic + "?replay=5");
    expectNumbered(five, ids.subList(15, 20), 16);
    for (String none : List.of("?replay=0", "?replay=", "")) {
      SseClient client = subscribe("/sub/" + topic + none);
      assertThat(client.awaitLastEventId(WAIT)).isEqualTo(ids.get(19));
      client.assertExhausted();
      client.close();
    }
    SseClient huge = subscribe("/sub/" + topic + "?replay=100000");
    expectNumbered(huge, ids.subList(20 - Math.min(C, 20), 20), 1 + 20 - Math.min(C, 20));

    List<String> more = new ArrayList<>(ids);
    more.addAll(publishNumbered(topic, 21, C));
    for (SseClient live : List.of(five, huge)) {
      expectNumbered(live, more.subList(20, 20 + C), 21);
    }
    for (String big : List.of("?replay=100000", "?replay=999999999999999999")) {
      SseClient bounded = subscribe("/sub/" + topic + big);
      expectNumbered(bounded, more.subList(more.size() - C, more.size()), more.size() - C + 1);
      bounded.assertExhausted();
    }
  }

  @ParameterizedTest(name = "[{index}] replay={0}")
  @ValueSource(strings = {"-1", "abc", "1e3", "99999999999999999999", "%205", "5%20", "+5", "5.0", "0x10",
      "%EF%BC%95", "5%00", "1,2"})
  void replayThatIsNotANonNegativeDecimalIntegerIs400BeforeAnyStreamByte(String replay) {
    SseClient client = subscribe("/sub/" + topic("f04-bad") + "?replay=" + replay);
    assertThat(client.status()).isEqualTo(400);
    assertThat(client.header("Content-Type")).startsWith("application/json");
    assertErrorBody(client.body(), "replay=" + replay);
  }

  // ---------------------------------------------------------------------------------------------------
  // F09: CORS

  static Stream<Arguments> preflights() {
    return Stream.of(
        Arguments.of("/sub/", "GET", "last-event-id, cache-control"),
        Arguments.of("/sub/", "GET", "Last-Event-ID,Cache-Control"),
        Arguments.of("/sub/", "GET", "LAST-EVENT-ID"),
        Arguments.of("/pub/", "POST", "content-type"),
        Arguments.of("/pub/", "POST", "Content-Type, Authorization"),
        Arguments.of("/buffer/", "DELETE", "authorization"),
        Arguments.of("/health", "GET", "cache-control"));
  }

  @ParameterizedTest(name = "[{index}] {1} {0} asking {2}")
  @MethodSource("preflights")
  void preflightFromAnAllowedOriginGrantsTheOriginTheMethodsAndTheAskedHeaders(
      String route, String method, String asked) {
    String target = route.endsWith("/") ? route + topic("f09") : route;
    RawHttp.Response response = RawHttp.request(base, "OPTIONS", target, Map.of(
        "Origin", ORIGIN, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", asked), null);
    assertThat(response.status()).as(response.toString()).isIn(200, 204);
    assertThat(response.header("Access-Control-Allow-Origin")).isEqualTo(ORIGIN);
    assertThat(response.header("Vary")).containsIgnoringCase("Origin");
    assertThat(tokens(response.header("Access-Control-Allow-Methods"))).contains("get", "post", method.toLowerCase(Locale.ROOT));
    assertThat(tokens(response.header("Access-Control-Allow-Headers"))).containsAll(tokens(asked));
  }

  @Test
  void disallowedOriginGetsNoGrantAndNeverAServerError() {
    String topic = topic("f09-denied");
    for (String origin : List.of("https://evil.example", "null", "https://app.example.evil.example",
        "http://app.example")) {
      RawHttp.Response preflight = RawHttp.request(base, "OPTIONS", "/sub/" + topic, Map.of(
          "Origin", origin, "Access-Control-Request-Method", "GET",
          "Access-Control-Request-Headers", "last-event-id"), null);
      assertThat(preflight.status()).as(origin).isLessThan(500);
      assertThat(preflight.header("Access-Control-Allow-Origin")).as(origin).isNull();
      assertThat(preflight.header("Access-Control-Allow-Credentials")).as(origin).isNull();

      RawHttp.Response publish = RawHttp.request(base, "POST", "/pub/" + topic,
          Map.of("Origin", origin, "Content-Type", "application/json"), "{\"data\":1}".getBytes(StandardCharsets.UTF_8));
      assertThat(publish.status()).as(origin).isEqualTo(200);
      assertThat(publish.header("Access-Control-Allow-Origin")).as(origin).isNull();

      SseClient stream = subscribe("/sub/" + topic, Map.of("Origin", origin));
      assertThat(stream.status()).isEqualTo(200);
      assertThat(stream.header("Access-Control-Allow-Origin")).as(origin).isNull();
      stream.close();
    }
  }

  @Test
  void streamingResponseCarriesTheCorsHeadersAndResumesWithoutAPreflight() {
    String topic = topic("f09-stream");
    List<String> ids = publishNumbered(topic, 1, 3);
    SseClient client = subscribe("/sub/" + topic, Map.of("Origin", OTHER_ORIGIN, "Last-Event-ID", ids.get(0)));
    assertThat(client.status()).isEqualTo(200);
    assertThat(client.header("Access-Control-Allow-Origin")).isEqualTo(OTHER_ORIGIN);
    assertThat(tokens(client.header("Access-Control-Expose-Headers"))).contains("emitron-recovered");
    assertThat(client.header("Emitron-Recovered")).isEqualTo("true");
    expectNumbered(client, ids.subList(1, 3), 2);
    client.disconnect();
    String missed = publishData(topic, "{\"n\":4}");
    client.reconnect();
    assertThat(client.header("Access-Control-Allow-Origin")).isEqualTo(OTHER_ORIGIN);
    expectNumbered(client, List.of(missed), 4);
  }

  @Test
  void wildcardOriginsGrantStarWithoutCredentials() {
    try (Server open = startServer(env("CORS_ORIGINS", "*"))) {
      RawHttp.Response preflight = RawHttp.request(open.uri(), "OPTIONS", "/sub/" + topic("f09-star"), Map.of(
          "Origin", "https://anywhere.example", "Access-Control-Request-Method", "GET",
          "Access-Control-Request-Headers", "last-event-id, cache-control"), null);
      assertThat(preflight.status()).isIn(200, 204);
      assertThat(preflight.header("Access-Control-Allow-Origin")).isEqualTo("*");
      assertThat(preflight.header("Access-Control-Allow-Credentials")).isNull();
      assertThat(tokens(preflight.header("Access-Control-Allow-Headers"))).contains("last-event-id", "cache-control");
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // F10: line terminators and look-alikes inside the data

  @Test
  void lineTerminatorsInsideTheDataNeverSplitOrInjectAFrameLiveOrReplayed() {
    List<String> values = List.of(
        "\"line1\\nline2\"",
        "\"a\\n\\nb\"",
        "\"x\\revent: evil\\rid: 999\\r\"",
        "\"x\\r\\ndata: fake\\r\\n\\r\\nid: 1\"",
        "\"\\n\"",
        "\"\"",
        "\"\\u2028 \\u2029 \\u0085\"",
        "\"\u2028 \u2029 \u0085\"",
        "{\"k\":\"v\\n\",\"arr\":[\"\\r\"]}",
        "\": comment\\n\\nretry: 1\\n\"",
        "\"\\u0000\\u000b\\u000c\\u001c\\u001d\\u001e\"");
    String topic = topic("f10");
    SseClient live = subscribe("/sub/" + topic);
    live.awaitLastEventId(WAIT);
    List<String> ids = new ArrayList<>();
    for (String value : values) {
      ids.add(publishData(topic, value));
    }
    SseClient replayed = subscribe("/sub/" + topic + "?replay=" + values.size());
    for (SseClient client : List.of(live, replayed)) {
      for (int i = 0; i < values.size(); i++) {
        SseEvent event = client.takeEvent();
        assertThat(event.type()).isEqualTo("message");
        assertThat(event.id()).isEqualTo(ids.get(i));
        assertThat(parse(event.data())).as(values.get(i)).isEqualTo(parse(values.get(i)));
      }
      client.assertExhausted();
      assertThat(client.retry()).isEqualTo(RETRY_MS);
      assertWellFormedStream(client.rawStream(), values.size());
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Framing

  static Stream<Arguments> frames() {
    return Stream.of(
        Arguments.of("CJK", null, "\"\u4e2d\u6587 \u65e5\u672c\u8a9e \ud55c\uad6d\uc5b4\""),
        Arguments.of("emoji", "emoji", "\"\ud83d\ude00 \ud83d\udc4d\ud83c\udffd \ud83c\udff3\ufe0f\u200d\ud83c\udf08\""),
        Arguments.of("line and paragraph separators", null, "\"a\u2028b\u2029c\""),
        Arguments.of("escaped separators", null, "\"a\\u2028b\\u2029c\\u0085d\""),
        Arguments.of("LF", null, "\"a\\nb\""),
        Arguments.of("CR", null, "\"a\\rb\""),
        Arguments.of("CRLF", null, "\"a\\r\\nb\""),
        Arguments.of("quotes, backslash, tab", null, "\"\\\"q\\\" \\\\ \\t /\""),
        Arguments.of("nested objects", "nested", "{\"a\":{\"b\":[1,2,{\"c\":null,\"d\":\"\\r\\n\"}],\"e\":true},"
            + "\"\u00e9\":{\"\ud83d\ude00\":[[],{}]}}"),
        Arguments.of("numbers", null, "[0,-1,1.5,1e3,12345678901234567890,0.1,-2.5e-8]"),
        Arguments.of("null", null, "null"),
        Arguments.of("boolean", null, "false"),
        Arguments.of("empty array", null, "[]"),
        Arguments.of("empty object", null, "{}"),
        Arguments.of("event name with every allowed character", "aZ09_.:-", "1"),
        Arguments.of("64-character event name", "e".repeat(64), "\"long name\""),
        Arguments.of("event named message", "message", "2"),
        Arguments.of("lone high surrogate", null, "\"a\\ud800b\""),
        Arguments.of("lone low surrogate", null, "\"\\udc00\""),
        Arguments.of("surrogates in the wrong order", null, "{\"\\ude00\\ud83d\":\"\\ude00\\ud83d\"}"),
        Arguments.of("escaped surrogate pair", null, "\"\\ud83d\\ude00\""),
        Arguments.of("pretty-printed data", "pretty", "{\n  \"a\" : [\r\n    1,\r    \"b\"\n  ]\n}"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("frames")
  void everyFrameReadsBackAsExactlyWhatWasPublished(String name, String event, String data) {
    String topic = topic("frame");
    SseClient live = subscribe("/sub/" + topic);
    live.awaitLastEventId(WAIT);
    // The data goes into the body exactly as written, so raw characters and escapes reach the server.
    String body = "{\"data\":" + data + (event == null ? "" : ",\"event\":" + json(event)) + "}";
    String id = publishBody(topic, body).get("id").asText();
    SseClient replayed = subscribe("/sub/" + topic + "?replay=1");
    for (SseClient client : List.of(live, replayed)) {
      SseEvent received = client.takeEvent();
      assertThat(received.type()).isEqualTo(event == null ? "message" : event);
      assertThat(received.id()).isEqualTo(id);
      assertThat(parse(received.data())).isEqualTo(parse(data));
      client.assertExhausted();
      assertWellFormedStream(client.rawStream(), 1);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Bad input

  /** A malformed request and the status it must get. */
  record Bad(String name, int status, String method, String target, Map<String, String> headers,
      byte[] body, String allow) {

    @Override
    public String toString() {
      return name;
    }
  }

  private static Bad pub(String name, int status, String body) {
    return new Bad(name, status, "POST", "/pub/bad", Map.of("Content-Type", "application/json"),
        body.getBytes(StandardCharsets.UTF_8), null);
  }

  private static Bad pub(String name, int status, Map<String, String> headers, byte[] body) {
    return new Bad(name, status, "POST", "/pub/bad", headers, body, null);
  }

  private static Bad get(String name, int status, String target) {
    return new Bad(name, status, "GET", target, Map.of(), null, null);
  }

  private static Bad method(String method, String target, String allow) {
    return new Bad(method + " " + target, 405, method, target, Map.of(), null, allow);
  }

  static Stream<Bad> badRequests() {
    byte[] oversized = ("{\"data\":\"" + "x".repeat(MAX_BODY_BYTES) + "\"}").getBytes(StandardCharsets.UTF_8);
    String deep = "{\"data\":" + "[".repeat(200) + "]".repeat(200) + "}";
    return Stream.of(
        pub("body is not JSON", 400, "not json"),
        pub("body is truncated JSON", 400, "{\"data\":"),
        pub("body is a JSON array", 400, "[{\"data\":1}]"),
        pub("body is a JSON string", 400, "\"data\""),
        pub("body is JSON null", 400, "null"),
        pub("body is a number", 400, "42"),
        pub("body is empty", 400, ""),
        pub("data is missing", 400, "{}"),
        pub("only an event", 400, "{\"event\":\"x\"}"),
        pub("trailing garbage", 400, "{\"data\":1} x"),
        pub("two JSON values", 400, "{\"data\":1}{\"data\":2}"),
        pub("nested too deep", 400, deep),
        pub("invalid UTF-8 in the body", 400, Map.of("Content-Type", "application/json"),
            new byte[] {'{', '"', 'd', 'a', 't', 'a', '"', ':', '"', (byte) 0xff, '"', '}'}),
        pub("reserved event name", 400, "{\"data\":1,\"event\":\"emitron.gap\"}"),
        pub("reserved event name prefix", 400, "{\"data\":1,\"event\":\"emitron.anything\"}"),
        pub("event name with a space", 400, "{\"data\":1,\"event\":\"a b\"}"),
        pub("event name with a newline", 400, "{\"data\":1,\"event\":\"a\\nid: 1\"}"),
        pub("empty event name", 400, "{\"data\":1,\"event\":\"\"}"),
        pub("event name of 65 characters", 400, "{\"data\":1,\"event\":\"" + "e".repeat(65) + "\"}"),
        pub("event name is a number", 400, "{\"data\":1,\"event\":5}"),
        pub("wrong content type", 415, Map.of("Content-Type", "text/plain"), "{\"data\":1}".getBytes(StandardCharsets.UTF_8)),
        pub("form content type", 415, Map.of("Content-Type", "application/x-www-form-urlencoded"),
            "data=1".getBytes(StandardCharsets.UTF_8)),
        pub("charset ISO-8859-1", 415, Map.of("Content-Type", "application/json; charset=ISO-8859-1"),
            "{\"data\":1}".getBytes(StandardCharsets.UTF_8)),
        pub("charset UTF-16", 415, Map.of("Content-Type", "application/json;charset=utf-16"),
            "{\"data\":1}".getBytes(StandardCharsets.UTF_16)),
        pub("body over MAX_BODY_BYTES with Content-Length", 413, Map.of("Content-Type", "application/json"), oversized),
        pub("body over MAX_BODY_BYTES, chunked", 413,
            Map.of("Content-Type", "application/json", "Transfer-Encoding", "chunked"), RawHttp.chunked(oversized, 1000)),
        pub("Content-Length over MAX_BODY_BYTES with a short body", 413,
            Map.of("Content-Type", "application/json", "Content-Length", "1000000000"), "{\"data\":1}".getBytes(StandardCharsets.UTF_8)),
        new Bad("empty topic on /pub", 400, "POST", "/pub/", Map.of(), "{\"data\":1}".getBytes(StandardCharsets.UTF_8), null),
        new Bad("NUL in the topic on /pub", 400, "POST", "/pub/a%00b", Map.of(), "{\"data\":1}".getBytes(StandardCharsets.UTF_8), null),
        get("topic of 257 bytes", 400, "/sub/" + "x".repeat(257)),
        get("malformed percent-escape", 400, "/sub/a%ZZ"),
        get("percent-escape cut short", 400, "/sub/a%2"),
        get("topic not UTF-8", 400, "/sub/%C3%28"),
        get("dot-dot topic", 400, "/sub/a/%2E%2E"),
        get("control character in the topic", 400, "/sub/a%1Bb"),
        new Bad("empty topic on /buffer", 400, "DELETE", "/buffer/", Map.of(), null, null),
        get("replay is negative", 400, "/sub/bad?replay=-1"),
        get("replay is not a number", 400, "/sub/bad?replay=ten"),
        get("replay in exponent form", 400, "/sub/bad?replay=1e3"),
        get("unknown route", 404, "/nope"),
        get("unknown console file", 404, "/console/nope.js"),
        get("routes are case-sensitive", 404, "/SUB/bad"),
        get("health has no sub-path", 404, "/health/x"),
        method("GET", "/pub/bad", "POST"),
        method("PUT", "/pub/bad", "POST"),
        method("POST", "/sub/bad", "GET"),
        method("DELETE", "/sub/bad", "GET"),
        method("GET", "/buffer/bad", "DELETE"),
        method("POST", "/buffer/bad", "DELETE"),
        method("POST", "/health", "GET"));
  }

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("badRequests")
  void malformedRequestGetsItsDocumentedStatusAndAJsonErrorBody(Bad bad) {
    Map<String, String> headers = new LinkedHashMap<>(bad.headers());
    RawHttp.Response response = RawHttp.request(base, bad.method(), bad.target(), headers, bad.body());
    assertThat(response.status()).as(response.toString()).isEqualTo(bad.status());
    assertThat(response.header("Content-Type")).as(response.toString()).startsWith("application/json");
    assertErrorBody(response.bodyText(), bad.name());
    if (bad.allow() != null) {
      assertThat(tokens(response.header("Allow"))).as(response.toString())
          .contains(bad.allow().toLowerCase(Locale.ROOT), "options");
    }
  }

  @Test
  void headOnSubAnswersTheStreamHeadersWithoutOpeningAStream() {
    try (Server own = startServer(env())) {
      String topic = topic("head");
      RawHttp.Response response = RawHttp.request(own.uri(), "HEAD", "/sub/" + topic, Map.of(), null);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("Content-Type")).startsWith("text/event-stream");
      assertThat(own.openStreams()).as("streams open after a HEAD").isZero();
      assertThat(own.emitron().openSubscriptions()).as("subscriptions open after a HEAD").isZero();
      assertThat(RawHttp.request(own.uri(), "HEAD", "/sub/" + topic + "?replay=x", Map.of(), null).status())
          .isEqualTo(400);
    }
  }

  @Test
  void bodyOfExactlyMaxBodyBytesIsAccepted() {
    String prefix = "{\"data\":\"";
    String suffix = "\"}";
    String body = prefix + "x".repeat(MAX_BODY_BYTES - prefix.length() - suffix.length()) + suffix;
    assertThat(body.getBytes(StandardCharsets.UTF_8)).hasSize(MAX_BODY_BYTES);
    for (Map<String, String> headers : List.of(Map.of("Content-Type", "application/json"),
        Map.of("Content-Type", "application/json; charset=UTF-8", "Transfer-Encoding", "chunked"), Map.<String, String>of())) {
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      if (headers.containsKey("Transfer-Encoding")) {
        bytes = RawHttp.chunked(bytes, 1000);
      }
      RawHttp.Response response = RawHttp.request(base, "POST", "/pub/" + topic("max-body"), headers, bytes);
      assertThat(response.status()).as(response.toString()).isEqualTo(200);
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Heartbeats

  @Test
  void idleStreamGetsHeartbeatCommentsAtTheIntervalAndStillReceivesMessages() {
    String topic = topic("heartbeat");
    SseClient client = subscribe("/sub/" + topic);
    SseClient.Comment first = client.takeComment(WAIT);
    assertHeartbeat(first);
    long windowNanos = TimeUnit.MILLISECONDS.toNanos(HEARTBEAT_MS * 10L);
    SseClient.Comment last = first;
    int beats = 0;
    while (last.nanos() - first.nanos() < windowNanos) {
      last = client.takeComment(Duration.ofMillis(HEARTBEAT_MS * 10L));
      assertHeartbeat(last);
      beats++;
    }
    long window = TimeUnit.NANOSECONDS.toMillis(last.nanos() - first.nanos());
    assertThat(beats).as("heartbeats over %d ms", window)
        .isBetween((int) (window / (HEARTBEAT_MS * 2)), (int) (window / (HEARTBEAT_MS / 2)));
    client.assertExhausted();
    expectNumbered(client, List.of(publishData(topic, "{\"n\":1}")), 1);
  }

  // ---------------------------------------------------------------------------------------------------
  // F11: topic names with encoded slashes and special characters

  static Stream<Arguments> topicNames() {
    return Stream.of(
        Arguments.of("a%2Fb", "a/b"),
        Arguments.of("a/b", "a/b"),
        Arguments.of("a%252Fb", "a%2Fb"),
        Arguments.of("%20", " "),
        Arguments.of("caf%C3%A9", "caf\u00e9"),
        Arguments.of("caf\u00e9", "caf\u00e9"),
        Arguments.of("a%3Fb", "a?b"),
        Arguments.of("a%23b", "a#b"),
        Arguments.of("a%3Bb", "a;b"),
        Arguments.of("..", null),
        Arguments.of("%2E%2E", null),
        Arguments.of("%2e%2e", null),
        Arguments.of(".", null),
        Arguments.of("a/./b", null),
        Arguments.of("a/../b", null),
        Arguments.of("a%2F..%2Fb", null),
        Arguments.of("a%00b", null),
        Arguments.of("a%0D%0Aevent:x", null),
        Arguments.of("a%0Aid:1", null),
        Arguments.of("a%C2%85b", null),
        Arguments.of("*", "*"),
        Arguments.of("%2A", "*"),
        Arguments.of("a*", "a*"),
        Arguments.of("a:b", "a:b"),
        Arguments.of("a+b", "a+b"),
        Arguments.of("Case", "Case"),
        Arguments.of("case", "case"),
        Arguments.of("x".repeat(256), "x".repeat(256)),
        Arguments.of("x".repeat(300), null),
        Arguments.of("%C3%A9".repeat(128), "\u00e9".repeat(128)),
        Arguments.of("%C3%A9".repeat(129), null),
        Arguments.of("%FF", null),
        Arguments.of("a%2", null),
        Arguments.of("", null),
        Arguments.of("a;b", "a;b"),
        Arguments.of("a;b=c", "a;b=c"),
        Arguments.of("a//b", "a//b"),
        Arguments.of("/a", "/a"),
        Arguments.of("a/", "a/"),
        Arguments.of("a%2F", "a/"),
        Arguments.of("a/%2E", null),
        Arguments.of("a%5Cb", "a\\b"),
        Arguments.of("a\\c", "a\\c"),
        Arguments.of("a%09b", null),
        Arguments.of("a%7Fb", null),
        Arguments.of("%EF%BB%BF", "\ufeff"),
        Arguments.of("a%E2%80%A8b", "a\u2028b"),
        Arguments.of("%ED%A0%80", null),
        Arguments.of("%C0%AF", null),
        Arguments.of("a%25", "a%"),
        Arguments.of("%u002F", null),
        Arguments.of("a%2e", "a."),
        Arguments.of("a.", "a."),
        Arguments.of("...", "..."));
  }

  @Test
  void everyRouteAgreesOnEveryTopicNameAndAMessageReachesOnlyItsExactTopic() {
    List<Arguments> names = topicNames().collect(Collectors.toList());
    Map<String, Integer> clearStatus = new LinkedHashMap<>();
    Map<String, Integer> subStatus = new LinkedHashMap<>();
    Map<String, Integer> pubStatus = new LinkedHashMap<>();
    Map<String, SseClient> subscribers = new LinkedHashMap<>();
    Map<String, String> decoded = new LinkedHashMap<>();
    Set<String> refused = spellingsTheContainerRefuses();
    for (Arguments name : names) {
      String raw = (String) name.get()[0];
      decoded.put(raw, refused.contains(raw) ? null : (String) name.get()[1]);
    }
    List<String> problems = new ArrayList<>();

    for (String raw : decoded.keySet()) {
      RawHttp.Response cleared = RawHttp.request(base, "DELETE", "/buffer/" + raw, Map.of(), null);
      clearStatus.put(raw, cleared.status());
      checkTopicResponse(problems, "DELETE", raw, decoded.get(raw), cleared);
    }
    for (String raw : decoded.keySet()) {
      SseClient client = subscribe("/sub/" + raw);
      subStatus.put(raw, client.status());
      if (client.status() == 200) {
        client.awaitLastEventId(WAIT);
        subscribers.put(raw, client);
      } else {
        assertErrorBody(client.body(), "GET /sub/" + raw);
      }
      assertNoInjectedHeader(problems, "GET /sub/" + raw, client.rawHead());
    }
    Map<String, List<String>> publishedTo = new LinkedHashMap<>();
    for (String raw : decoded.keySet()) {
      RawHttp.Response published = RawHttp.request(base, "POST", "/pub/" + raw,
          Map.of("Content-Type", "application/json"),
          ("{\"data\":{\"via\":" + json(raw) + "}}").getBytes(StandardCharsets.UTF_8));
      pubStatus.put(raw, published.status());
      checkTopicResponse(problems, "POST", raw, decoded.get(raw), published);
      if (published.status() == 200) {
        publishedTo.computeIfAbsent(decoded.get(raw), t -> new ArrayList<>()).add(raw);
      }
    }
    for (String raw : decoded.keySet()) {
      Set<Integer> statuses = new java.util.HashSet<>(List.of(clearStatus.get(raw), subStatus.get(raw), pubStatus.get(raw)));
      int expected = decoded.get(raw) == null ? 400 : 200;
      if (!statuses.equals(Set.of(expected))) {
        problems.add(String.format("'%s': DELETE %d, GET %d, POST %d; expected all %d", abbreviate(raw),
            clearStatus.get(raw), subStatus.get(raw), pubStatus.get(raw), expected));
      }
    }
    assertThat(problems).isEmpty();

    // A fence per topic ends each subscriber's expected run; anything else before it went astray.
    Map<String, String> fences = new HashMap<>();
    for (Map.Entry<String, List<String>> topic : publishedTo.entrySet()) {
      String raw = topic.getValue().get(0);
      RawHttp.Response fence = RawHttp.request(base, "POST", "/pub/" + raw, Map.of(),
          ("{\"data\":{\"fence\":" + json(topic.getKey()) + "}}").getBytes(StandardCharsets.UTF_8));
      assertThat(fence.status()).as(fence.toString()).isEqualTo(200);
      fences.put(topic.getKey(), parse(fence.bodyText()).get("id").asText());
    }
    for (Map.Entry<String, SseClient> subscriber : subscribers.entrySet()) {
      String identity = decoded.get(subscriber.getKey());
      List<String> vias = new ArrayList<>();
      while (true) {
        SseEvent event = subscriber.getValue().takeEvent();
        JsonNode data = parse(event.data());
        if (data.has("fence")) {
          assertThat(data.get("fence").asText()).as("fence on %s", abbreviate(subscriber.getKey())).isEqualTo(identity);
          assertThat(event.id()).isEqualTo(fences.get(identity));
          break;
        }
        vias.add(data.get("via").asText());
      }
      assertThat(vias).as("messages reaching the subscriber of '%s'", abbreviate(subscriber.getKey()))
          .isEqualTo(publishedTo.get(identity));
      assertWellFormedStream(subscriber.getValue().rawStream(), vias.size() + 1);
    }

    // Each identity's buffer is cleared once, whichever spelling names it.
    Set<String> cleared = ConcurrentHashMap.newKeySet();
    for (String raw : subscribers.keySet()) {
      JsonNode body = parse(RawHttp.request(base, "DELETE", "/buffer/" + raw, Map.of(), null).bodyText());
      assertThat(body.get("removed").asBoolean()).as("DELETE /buffer/%s", abbreviate(raw))
          .isEqualTo(cleared.add(decoded.get(raw)));
    }
  }

  private void checkTopicResponse(List<String> problems, String method, String raw, String identity,
      RawHttp.Response response) {
    String what = method + " '" + abbreviate(raw) + "'";
    assertNoInjectedHeader(problems, what, response.rawHead());
    if (response.status() == 200) {
      String queue = parse(response.bodyText()).get("queue").asText();
      if (!queue.equals(identity)) {
        problems.add(what + " named the topic '" + abbreviate(queue) + "', expected '" + identity + "'");
      }
    } else if (response.header("Content-Type") == null || !response.header("Content-Type").startsWith("application/json")) {
      problems.add(what + " answered " + response.status() + " without a JSON body: " + response);
    } else {
      assertErrorBody(response.bodyText(), what);
    }
  }

  private static void assertNoInjectedHeader(List<String> problems, String what, String rawHead) {
    for (String line : rawHead.split("\r\n", -1)) {
      if (line.toLowerCase(Locale.ROOT).startsWith("event") || line.toLowerCase(Locale.ROOT).startsWith("id:")) {
        problems.add(what + " has an injected header line: " + line);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------
  // Helpers

  /** A topic name of this test run, unique, plain ASCII. */
  protected String topic(String hint) {
    return "t" + run + "-" + TOPICS.incrementAndGet() + "-" + hint;
  }

  /** Opens a stream on the shared server; the kit checks it is exhausted and closes it after the test. */
  protected SseClient subscribe(String target) {
    return subscribe(target, Map.of());
  }

  protected SseClient subscribe(String target, Map<String, String> headers) {
    SseClient client = SseClient.connect(base, target, headers);
    clients.add(client);
    return client;
  }

  /** Publishes {@code {"data": dataJson}} and returns the id. */
  protected String publishData(String topic, String dataJson) {
    return publishData(base, topic, dataJson);
  }

  private String publishData(URI server, String topic, String dataJson) {
    return publishBody(server, topic, "{\"data\":" + dataJson + "}").get("id").asText();
  }

  protected JsonNode publishBody(String topic, String body) {
    return publishBody(base, topic, body);
  }

  private JsonNode publishBody(URI server, String topic, String body) {
    HttpRequest request = HttpRequest.newBuilder(server.resolve("pub/" + topic))
        .timeout(WAIT)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
        .build();
    try {
      HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertThat(response.statusCode()).as("publish %s to %s: %s", body, topic, response.body()).isEqualTo(200);
      return parse(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Publishes {@code {"n": from}} to {@code {"n": from + count - 1}} and returns their ids. */
  protected List<String> publishNumbered(String topic, int from, int count) {
    List<String> ids = new ArrayList<>(count);
    for (int n = from; n < from + count; n++) {
      ids.add(publishData(topic, "{\"n\":" + n + "}"));
    }
    return ids;
  }

  /** Takes one event per id, checking the id and the data {@code {"n": firstN + i}}. */
  protected void expectNumbered(SseClient client, List<String> ids, int firstN) {
    for (int i = 0; i < ids.size(); i++) {
      SseEvent event = client.takeEvent();
      assertThat(event.type()).as("event #%d", i).isEqualTo("message");
      assertThat(event.id()).as("event #%d (n=%d)", i, firstN + i).isEqualTo(ids.get(i));
      assertThat(parse(event.data()).get("n").asInt()).as("event #%d", i).isEqualTo(firstN + i);
    }
  }

  private void expectGap(SseClient client, String asked, String oldest) {
    SseEvent gap = client.takeEvent();
    assertThat(gap.type()).isEqualTo("emitron.gap");
    ObjectNode expected = JsonNodeFactory.instance.objectNode();
    expected.put("lastEventId", asked);
    expected.put("oldest", oldest);
    assertThat(parse(gap.data())).isEqualTo(expected);
  }

  private JsonNode deleteBuffer(String topic) {
    RawHttp.Response response = RawHttp.request(base, "DELETE", "/buffer/" + topic, Map.of(), null);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return parse(response.bodyText());
  }

  private void assertErrorBody(String body, String what) {
    JsonNode error = parse(body);
    assertThat(error.isObject()).as("%s: %s", what, body).isTrue();
    assertThat(error.get("ok")).as("%s: %s", what, body).isNotNull();
    assertThat(error.get("ok").isBoolean() && !error.get("ok").asBoolean()).as("%s: %s", what, body).isTrue();
    assertThat(error.path("error").isTextual() && !error.get("error").asText().isEmpty()).as("%s: %s", what, body).isTrue();
    assertThat(error.path("message").isTextual() && !error.get("message").asText().isEmpty()).as("%s: %s", what, body).isTrue();
  }

  /**
   * Every line of the raw stream is a known field or a heartbeat, there is no CR, and each event has
   * exactly one data line.
   */
  private static void assertWellFormedStream(String raw, int events) {
    assertThat(raw).doesNotContain("\r");
    Pattern line = Pattern.compile("|retry: [0-9]+|id: [0-9]+-[0-9]+|event: [A-Za-z0-9_.:-]{1,64}|data: \\S.*|: hb [0-9]+");
    String[] lines = raw.split("\n", -1);
    for (String l : lines) {
      assertThat(l).as("a line of the stream").matches(line);
    }
    assertThat(Arrays.stream(lines).filter(l -> l.startsWith("data: ")).count()).isEqualTo(events);
    assertThat(Arrays.stream(lines).filter(l -> l.startsWith("event: emitron.")).count()).isZero();
  }

  private static void assertHeartbeat(SseClient.Comment comment) {
    assertThat(comment.text()).matches("hb [0-9]+");
    long millis = Long.parseLong(comment.text().substring(3));
    assertThat(millis).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
  }

  private static List<String> tokens(String header) {
    assertThat(header).isNotNull();
    return Arrays.stream(header.split(",")).map(String::trim).filter(s -> !s.isEmpty())
        .map(s -> s.toLowerCase(Locale.ROOT)).collect(Collectors.toList());
  }

  private static MessageId id(String text) {
    return MessageId.parse(text).orElseThrow(() -> new AssertionError("not an id: " + text));
  }

  private static String json(String text) {
    return JsonNodeFactory.instance.textNode(text).toString();
  }

  private JsonNode parse(String text) {
    try {
      return json.readTree(text);
    } catch (IOException e) {
      throw new AssertionError("not JSON: " + text, e);
    }
  }

  private static String abbreviate(String text) {
    return text.length() > 40 ? text.substring(0, 20) + "...(" + text.length() + ")" : text;
  }
}
