package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.emitron.core.testing.RawHttp;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients that send too slowly, or send what parsers trip on, get a clear answer and harm no one else. */
class HostileClientsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static EmitronServer server;

  @BeforeAll
  static void start() {
    server = EmitronServer.create(ServerConfig.fromEnvironment(Map.of("PORT", "0", "HOST", "127.0.0.1"))).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /**
   * More clients than the server has threads start a publish and never finish its body: reading bodies
   * holds no thread, so health checks, publishes and subscriptions of everyone else go on.
   */
  @Test
  void publishBodiesSentSlowlyHoldNoThread() throws Exception {
    List<Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 300; i++) {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /pub/slow HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: 100\r\n\r\n{\"da").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        slow.add(socket);
      }
      RawHttp.Response health = RawHttp.request(server.uri(), "GET", "/health", Map.of(), null);
      assertThat(health.status()).isEqualTo(200);
      RawHttp.Response published = RawHttp.request(server.uri(), "POST", "/pub/others",
          Map.of("Content-Type", "application/json"), "{\"data\":1}".getBytes(StandardCharsets.UTF_8));
      assertThat(published.status()).isEqualTo(200);
    } finally {
      for (Socket socket : slow) {
        socket.close();
      }
    }
  }

  @Test
  void aMalformedOrRepeatedContentTypeIs415() throws Exception {
    for (String type : List.of(";;;", ";", " ; charset=utf-8", "application/json;;charset=latin1")) {
      RawHttp.Response response = RawHttp.request(server.uri(), "POST", "/pub/ct",
          Map.of("Content-Type", type), "{\"data\":1}".getBytes(StandardCharsets.UTF_8));
      assertThat(response.status()).as(type).isEqualTo(415);
      assertThat(JSON.readTree(response.bodyText()).get("error").asText()).isEqualTo("unsupported_media_type");
    }
    byte[] twice = ("POST /pub/ct HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Type: text/plain\r\nContent-Length: 10\r\nConnection: close\r\n\r\n{\"data\":1}")
        .getBytes(StandardCharsets.US_ASCII);
    assertThat(RawHttp.send(server.uri(), twice).status()).isEqualTo(415);
  }

  @Test
  void rawBytesThatAreNotUtf8InATopicAre400() throws Exception {
    for (byte[] name : List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc0, (byte) 0xae})) {
      byte[] head = "POST /pub/x".getBytes(StandardCharsets.US_ASCII);
      byte[] tail = (" HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 10\r\n"
          + "Connection: close\r\n\r\n{\"data\":7}").getBytes(StandardCharsets.US_ASCII);
      byte[] request = new byte[head.length + name.length + tail.length];
      System.arraycopy(head, 0, request, 0, head.length);
      System.arraycopy(name, 0, request, head.length, name.length);
      System.arraycopy(tail, 0, request, head.length + name.length, tail.length);
      RawHttp.Response response = RawHttp.send(server.uri(), request);
      assertThat(response.status()).isEqualTo(400);
      assertThat(JSON.readTree(response.bodyText()).get("ok").asBoolean()).isFalse();
    }
  }

  @Test
  void numbersArriveAsWritten() throws Exception {
    RawHttp.Response published = RawHttp.request(server.uri(), "POST", "/pub/numbers",
        Map.of("Content-Type", "application/json"),
        "{\"data\":[1.0,1.50,12345678901234567890.10]}".getBytes(StandardCharsets.UTF_8));
    assertThat(published.status()).isEqualTo(200);
    try (dev.emitron.core.testing.SseClient client =
        dev.emitron.core.testing.SseClient.connect(server.uri(), "/sub/numbers?replay=1")) {
      assertThat(client.takeEvent().data()).isEqualTo("[1.0,1.50,12345678901234567890.10]");
    }
  }

  @Test
  void aJsonErrorSaysWhereWithoutParserInternals() throws Exception {
    RawHttp.Response response = RawHttp.request(server.uri(), "POST", "/pub/bad",
        Map.of("Content-Type", "application/json"), "{\"data\": nope}".getBytes(StandardCharsets.UTF_8));
    assertThat(response.status()).isEqualTo(400);
    String message = JSON.readTree(response.bodyText()).get("message").asText();
    assertThat(message).startsWith("body is not valid JSON at line 1").doesNotContain("REDACTED", "Feature");
  }
}
