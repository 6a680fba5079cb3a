package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.emitron.core.Topic;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web console and the README's browser example in headless Chromium against a real server (in-memory
 * transport): live events, publishing from the page, CORS from another origin, and a screenshot of the
 * console saved as a build artifact ({@code target/console.png}).
 */
class ConsoleBrowserIT {

  private static final Path README = Path.of(System.getProperty("emitron.readme", "../README.md"));
  private static final Path ARTIFACTS = Path.of(System.getProperty("emitron.artifacts", "target"));

  private static Browser browser;
  private static EmitronServer server;

  @BeforeAll
  static void start() {
    browser = Browser.start();
    server = EmitronServer.create(ServerConfig.fromEnvironment(Map.of("HOST", "127.0.0.1", "PORT", "0")))
        .start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static void connectConsole(String topic) {
    browser.open(server.uri().toString());
    browser.type("topic", topic);
    browser.click("connect");
    browser.awaitText("status", "open: " + topic);
  }

  @Test
  void theConsoleSubscribesAndShowsAMessagePublishedOverHttpWithItsId() {
    connectConsole("console/live");
    String id = Publishing.publish(server.uri(), "console/live", "{\"title\":\"over http\"}");

    browser.awaitRow(id);
    assertThat(browser.rowsWithId(id)).isEqualTo(1);
    assertThat(browser.text("events")).contains(id).contains("{\"title\":\"over http\"}");
    assertThat(browser.text("last-id")).isEqualTo(id);
    browser.awaitText("health", "up · memory");
    await().atMost(Browser.WAIT).until(() -> browser.text("streams").equals("1"));
  }

  @Test
  void theConsolePublishesAJsonMessageAndReceivesIt() {
    connectConsole("console/publish");
    browser.type("publish-event", "greeting");
    browser.type("publish-data", "{\"from\":\"the console\"}");
    browser.click("publish");
    browser.awaitText("publish-result", "published ");
    String id = browser.text("publish-result").split(" ")[1];

    browser.awaitRow(id);
    assertThat(browser.text("events")).contains("greeting").contains("{\"from\":\"the console\"}");
  }

  @Test
  void theReadmeBrowserExampleOnAnotherOriginReceivesMessages() throws Exception {
    String example = readmeBrowserExample();
    String base = server.uri().toString().replaceAll("/$", "");
    // The page's origin is another port of localhost: every request to emitron is cross-origin.
    String page = "<!DOCTYPE html><meta charset=\"utf-8\"><title>example</title>\n"
        + "<script>window.logs = []; for (const level of ['log', 'warn']) { const original = console[level];"
        + " console[level] = (...args) => { window.logs.push(args.map(a => typeof a === 'string' ? a"
        + " : JSON.stringify(a)).join(' ')); original.apply(console, args); }; }</script>\n"
        + example.replace("http://localhost:3000", base);
    HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    other.createContext("/", exchange -> {
      byte[] body = page.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(body);
      }
    });
    other.start();
    try {
      String origin = "http://localhost:" + other.getAddress().getPort();
      assertThat(origin).isNotEqualTo(base);
      browser.open(origin + "/");
      await().atMost(Browser.WAIT).until(() -> server.emitron().localSubscribers(Topic.of("news")) > 0);

      String id = Publishing.publish(server.uri(), "news", "{\"title\":\"from another origin\"}");
      String greeting = publishEvent("news", "greeting", "{\"text\":\"hi\"}");
      await().atMost(Browser.WAIT).untilAsserted(() -> assertThat(logs())
          .contains(id + " {\"title\":\"from another origin\"}", "greeting {\"text\":\"hi\"}"));
      assertThat(greeting).isNotEmpty();
    } finally {
      other.stop(0);
      browser.open("about:blank");
    }
  }

  @Test
  void theReadmeBrowserExampleSubscribesWithAnAccessTokenWhereTokensAreRequired() throws Exception {
    String secret = "a-browser-test-secret-of-32-bytes-or-more";
    try (EmitronServer locked = EmitronServer.create(ServerConfig.fromEnvironment(Map.of(
        "HOST", "127.0.0.1", "PORT", "0", "JWT_SECRET", secret))).start()) {
      String subscriber = token(secret, Map.of("subscribe", List.of("news")));
      String publisher = token(secret, Map.of("publish", List.of("news")));
      String base = locked.uri().toString().replaceAll("/$", "");
      String page = "<!DOCTYPE html><meta charset=\"utf-8\"><title>example</title>\n"
          + "<script>window.logs = []; const original = console.log; console.log = (...args) => {"
          + " window.logs.push(args.map(a => typeof a === 'string' ? a : JSON.stringify(a)).join(' '));"
          + " original.apply(console, args); };</script>\n"
          + readmeBrowserExample().replace("http://localhost:3000/sub/news?replay=10",
              base + "/sub/news?replay=10&access_token=" + subscriber);
      HttpServer other = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      other.createContext("/", exchange -> {
        byte[] body = page.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(body);
        }
      });
      other.start();
      try {
        browser.open("http://localhost:" + other.getAddress().getPort() + "/");
        await().atMost(Browser.WAIT).until(() -> locked.emitron().localSubscribers(Topic.of("news")) > 0);
        java.net.http.HttpResponse<String> published = java.net.http.HttpClient.newHttpClient().send(
            java.net.http.HttpRequest.newBuilder(locked.uri().resolve("pub/news"))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + publisher)
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"data\":{\"title\":\"locked\"}}"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(published.statusCode()).as(published.body()).isEqualTo(200);
        await().atMost(Browser.WAIT).untilAsserted(() -> assertThat(logs()).anyMatch(
            line -> line.endsWith(" {\"title\":\"locked\"}")));
      } finally {
        other.stop(0);
        browser.open("about:blank");
      }
    }
  }

  private static String token(String secret, Map<String, Object> grants) throws Exception {
    com.nimbusds.jwt.SignedJWT jwt = new com.nimbusds.jwt.SignedJWT(
        new com.nimbusds.jose.JWSHeader(com.nimbusds.jose.JWSAlgorithm.HS256),
        new com.nimbusds.jwt.JWTClaimsSet.Builder().claim("emitron", grants)
            .expirationTime(new java.util.Date(System.currentTimeMillis() + 600_000)).build());
    jwt.sign(new com.nimbusds.jose.crypto.MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
    return jwt.serialize();
  }

  @Test
  void aScreenshotOfTheConsoleIsSavedAsABuildArtifact() throws IOException {
    connectConsole("news");
    for (String title : List.of("Launch at noon", "Deploy finished", "Tests are green")) {
      browser.awaitRow(Publishing.publish(server.uri(), "news", "{\"title\":\"" + title + "\"}"));
    }
    browser.type("publish-event", "greeting");
    browser.type("publish-data", "{\"text\": \"hello from the console\"}");
    browser.click("publish");
    browser.awaitText("publish-result", "published ");
    browser.awaitRow(browser.text("publish-result").split(" ")[1]);
    await().atMost(Browser.WAIT).until(() -> browser.text("health").startsWith("up"));

    byte[] png = browser.screenshot();
    Files.createDirectories(ARTIFACTS);
    Path file = ARTIFACTS.resolve("console.png");
    Files.write(file, png);
    assertThat(png).startsWith(0x89, 'P', 'N', 'G');
    assertThat(png.length).isGreaterThan(10_000);
    System.out.println("Console screenshot: " + file.toAbsolutePath());
  }

  private static String publishEvent(String topic, String event, String data) throws Exception {
    java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(server.uri().resolve("pub/" + topic))
            .header("Content-Type", "application/json")
            .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                "{\"event\":\"" + event + "\",\"data\":" + data + "}"))
            .build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return response.body();
  }

  @SuppressWarnings("unchecked")
  private static List<String> logs() {
    return (List<String>) browser.script("return window.logs || [];");
  }

  /** The {@code html} code block of the README's "In a browser" section. */
  static String readmeBrowserExample() throws IOException {
    String readme = Files.readString(README);
    int section = readme.indexOf("## In a browser");
    assertThat(section).as("README has an 'In a browser' section").isNotNegative();
    Matcher block = Pattern.compile("```html\n(.*?)```", Pattern.DOTALL).matcher(readme);
    assertThat(block.find(section)).as("an html block in 'In a browser'").isTrue();
    return block.group(1);
  }
}
