package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.testing.RawHttp;
import dev.emitron.core.testing.SseClient;
import dev.emitron.core.testing.SseEvent;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No published content, event name, topic, resume id or header value can add an SSE field or event to a
 * stream, or a header to a response: CR, LF and NUL anywhere are either refused with a JSON 400 or
 * carried inside JSON strings, escaped.
 */
class InjectionIT {

  /** Every line a stream may hold: the known fields, one JSON data line per event, heartbeats. */
  private static final Pattern LINE = Pattern.compile(
      "|retry: [0-9]+|id: [0-9]+-[0-9]+|event: (emitron\\.gap|[A-Za-z0-9_.:-]{1,64})|data: [\\[{\"0-9tfn-].*|: hb [0-9]+",
      // U+2028, U+2029 and U+0085 are not SSE line terminators: inside a data line they are just text.
      Pattern.DOTALL);
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmitronServer server;

  @BeforeAll
  static void start() {
    server = EmitronServer.create(ServerConfig.fromEnvironment(Map.of("PORT", "0", "HOST", "127.0.0.1",
        "CORS_ORIGINS", "https://app.example"))).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** The stream holds only known lines, no CR or NUL, and each data line is one JSON value. */
  private static void assertCleanStream(String raw) throws Exception {
    assertThat(raw).doesNotContain("\r").doesNotContain("\u0000");
    for (String line : raw.split("\n", -1)) {
      assertThat(line).as("a line of the stream").matches(LINE);
      if (line.startsWith("data: ")) {
        JSON.readTree(line.substring(6));
      }
    }
  }

  private static void assertNoInjectedHeader(String rawHead) {
    for (String line : rawHead.split("\r\n", -1)) {
      String lower = line.toLowerCase(Locale.ROOT);
      assertThat(lower).doesNotStartWith("x-evil").doesNotStartWith("event").doesNotStartWith("id:")
          .doesNotContain("\u0000").doesNotContain("\r").doesNotContain("\n");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "%0D%0Aevent:%20evil%0D%0Adata:%20x%0D%0A%0D%0Aid:%20666",
      "1-0%0Aid:%202-0",
      "1-0%0D",
      "%00",
      "1-0%00",
      "%E2%80%A8%E2%80%A9%C2%85",
      "%0D%0AX-Evil:%201"})
  void aResumeIdInTheQueryIsOnlyEverEchoedInsideTheGapEventsJson(String encodedId) throws Exception {
    String topic = "inject-" + System.nanoTime();
    try (SseClient client = SseClient.connect(server.uri(), "/sub/" + topic + "?lastEventId=" + encodedId)) {
      assertThat(client.status()).isEqualTo(200);
      assertNoInjectedHeader(client.rawHead());
      SseEvent gap = client.takeEvent();
      assertThat(gap.type()).isEqualTo("emitron.gap");
      String asked = java.net.URLDecoder.decode(encodedId, StandardCharsets.UTF_8);
      assertThat(JSON.readTree(gap.data()).get("lastEventId").asText()).isEqualTo(asked);
      client.awaitLastEventId(SseClient.DEFAULT_TIMEOUT);
      assertThat(client.lastEventId()).matches("[0-9]+-[0-9]+");
      client.assertExhausted();
      assertCleanStream(client.rawStream());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"1-0\revent: evil", "1-0\u0000", "1-0\u000bX", "\u0000\u0000"})
  void aResumeIdInTheHeaderIsRefusedOrEscaped(String id) throws Exception {
    String topic = "inject-header-" + System.nanoTime();
    try (SseClient client = SseClient.connect(server.uri(), "/sub/" + topic, Map.of("Last-Event-ID", id))) {
      assertNoInjectedHeader(client.rawHead());
      if (client.status() == 200) {
        SseEvent gap = client.takeEvent();
        assertThat(gap.type()).isEqualTo("emitron.gap");
        client.awaitLastEventId(SseClient.DEFAULT_TIMEOUT);
        client.assertExhausted();
        assertCleanStream(client.rawStream());
      } else {
        assertThat(client.status()).isEqualTo(400);
        assertThat(JSON.readTree(client.body()).get("ok").asBoolean()).isFalse();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\\nb", "a\\rb", "a\\u0000b", "emitron.gap", "a b", "a\\r\\nevent: x"})
  void anEventNameThatCouldBreakAFrameIsRefused(String escapedName) throws Exception {
    RawHttp.Response response = RawHttp.request(server.uri(), "POST", "/pub/inject-event",
        Map.of("Content-Type", "application/json"),
        ("{\"data\":1,\"event\":\"" + escapedName + "\"}").getBytes(StandardCharsets.UTF_8));
    assertThat(response.status()).isEqualTo(400);
    assertThat(JSON.readTree(response.bodyText()).get("error").asText()).isEqualTo("invalid_event");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a%0D%0AX-Evil:%201", "a%00b", "a%0Aevent:%20x", "%0D%0A%0D%0Aevil"})
  void aTopicThatCouldBreakAHeaderOrAFrameIsRefusedOnEveryRoute(String topic) throws Exception {
    for (String[] route : List.of(new String[] {"GET", "/sub/"}, new String[] {"POST", "/pub/"},
        new String[] {"DELETE", "/buffer/"})) {
      RawHttp.Response response = RawHttp.request(server.uri(), route[0], route[1] + topic,
          Map.of("Content-Type", "application/json"),
          route[0].equals("POST") ? "{\"data\":1}".getBytes(StandardCharsets.UTF_8) : null);
      assertThat(response.status()).as(route[0] + " " + topic).isEqualTo(400);
      assertNoInjectedHeader(response.rawHead());
      assertThat(JSON.readTree(response.bodyText()).get("ok").asBoolean()).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"\\u0000", "a\\u0000b\\r\\nid: 9-9\\r\\n\\r\\n", "\\r\\n\\r\\ndata: {}", "\\u2028\\u2029"})
  void dataWithNulOrLineBreaksStaysInsideOneDataLine(String escaped) throws Exception {
    String topic = "inject-data-" + System.nanoTime();
    String body = "{\"data\":{\"text\":\"" + escaped + "\"}}";
    RawHttp.Response published = RawHttp.request(server.uri(), "POST", "/pub/" + topic,
        Map.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
    assertThat(published.status()).isEqualTo(200);
    try (SseClient client = SseClient.connect(server.uri(), "/sub/" + topic + "?replay=1")) {
      SseEvent event = client.takeEvent();
      assertThat(JSON.readTree(event.data())).isEqualTo(JSON.readTree(body).get("data"));
      client.assertExhausted();
      assertCleanStream(client.rawStream());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"https://evil.example", "https://app.example.evil", "null"})
  void aDisallowedOriginIsNeverEchoed(String origin) throws Exception {
    RawHttp.Response response = RawHttp.request(server.uri(), "OPTIONS", "/sub/x",
        Map.of("Origin", origin, "Access-Control-Request-Method", "GET"), null);
    assertThat(response.header("Access-Control-Allow-Origin")).isNull();
    assertThat(response.rawHead()).doesNotContain(origin);
    assertNoInjectedHeader(response.rawHead());
  }
}
