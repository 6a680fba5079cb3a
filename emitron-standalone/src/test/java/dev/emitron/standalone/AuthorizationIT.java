package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Who may publish, subscribe and clear: every route against every kind of credential. */
class AuthorizationIT {

  private static final String SECRET = "an-hs256-secret-of-at-least-32-bytes!";
  private static final String PUBLISH_TOKEN = "static-publish-token";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static EmitronServer server;

  @BeforeAll
  static void start() {
    server = EmitronServer.create(ServerConfig.fromEnvironment(Map.of(
        "PORT", "0", "HOST", "127.0.0.1", "PUBLISH_TOKEN", PUBLISH_TOKEN, "JWT_SECRET", SECRET))).start();
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  private static String hs256(JWTClaimsSet claims, String secret) throws JOSEException {
    return sign(new MACSigner(secret.getBytes()), JWSAlgorithm.HS256, claims);
  }

  private static String sign(JWSSigner signer, JWSAlgorithm algorithm, JWTClaimsSet claims) throws JOSEException {
    SignedJWT jwt = new SignedJWT(new JWSHeader(algorithm), claims);
    jwt.sign(signer);
    return jwt.serialize();
  }

  private static JWTClaimsSet grants(List<String> publish, List<String> subscribe, Date expiry) {
    Map<String, Object> emitron = new HashMap<>();
    emitron.put("publish", publish);
    emitron.put("subscribe", subscribe);
    return new JWTClaimsSet.Builder().subject("test").claim("emitron", emitron).expirationTime(expiry).build();
  }

  private static Date inOneHour() {
    return new Date(System.currentTimeMillis() + 3_600_000);
  }

  static Stream<Arguments> matrix() throws JOSEException {
    String granted = hs256(grants(List.of("auth/*"), List.of("auth/**"), inOneHour()), SECRET);
    String otherTopics = hs256(grants(List.of("elsewhere"), List.of("elsewhere"), inOneHour()), SECRET);
    String expired = hs256(grants(List.of("**"), List.of("**"), new Date(System.currentTimeMillis() - 600_000)), SECRET);
    String wrongSignature = hs256(grants(List.of("**"), List.of("**"), inOneHour()), "another-secret-that-is-32-bytes-long!!");
    String unsigned = new PlainJWT(grants(List.of("**"), List.of("**"), inOneHour())).serialize();
    Map<String, String> tokens = new java.util.LinkedHashMap<>();
    tokens.put("none", null);
    tokens.put("malformed", "not.a.jwt");
    tokens.put("expired", expired);
    tokens.put("wrong signature", wrongSignature);
    tokens.put("alg none", unsigned);
    tokens.put("valid without the topic", otherTopics);
    tokens.put("valid with the topic", granted);
    tokens.put("publish token", PUBLISH_TOKEN);
    tokens.put("wrong publish token", PUBLISH_TOKEN + "x");
    Map<String, int[]> expected = Map.of(
        // sub, pub, buffer
        "none", new int[] {401, 401, 401},
        "malformed", new int[] {401, 401, 401},
        "expired", new int[] {401, 401, 401},
        "wrong signature", new int[] {401, 401, 401},
        "alg none", new int[] {401, 401, 401},
        "valid without the topic", new int[] {403, 403, 403},
        "valid with the topic", new int[] {200, 200, 200},
        "publish token", new int[] {401, 200, 200},
        "wrong publish token", new int[] {401, 401, 401});
    Stream.Builder<Arguments> cases = Stream.builder();
    String[] routes = {"sub", "pub", "buffer"};
    for (Map.Entry<String, String> token : tokens.entrySet()) {
      for (int r = 0; r < routes.length; r++) {
        cases.add(Arguments.of(routes[r], token.getKey(), token.getValue(), expected.get(token.getKey())[r]));
      }
    }
    return cases.build();
  }

  @ParameterizedTest(name = "{0} with {1} token -> {3}")
  @MethodSource("matrix")
  void everyRouteAnswersEveryKindOfCredentialWithTheRightStatus(String route, String kind, String token,
      int status) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(server.uri().resolve(route + "/auth/x"))
        .timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    switch (route) {
      case "sub" -> request.GET();
      case "pub" -> request.header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"data\":1}"));
      default -> request.DELETE();
    }
    HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    try (InputStream body = response.body()) {
      assertThat(response.statusCode()).isEqualTo(status);
      if (status >= 400) {
        JsonNode error = JSON.readTree(body);
        assertThat(error.get("ok").asBoolean()).isFalse();
        assertThat(error.get("error").asText()).isEqualTo(status == 401 ? "unauthorized" : "forbidden");
        assertThat(error.get("message").asText()).isNotBlank();
        if (token != null) {
          assertThat(error.toString()).doesNotContain(token);
        }
      }
      if (status == 401) {
        assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
      }
      if (route.equals("sub") && status == 200) {
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
            type -> assertThat(type).startsWith("text/event-stream"));
      }
    }
  }

  @Test
  void aRefusedPublishLeavesItsKeptAliveConnectionUsable() throws Exception {
    String body = "{\"data\":\"" + "x".repeat(20_000) + "\"}";
    String refused = "POST /pub/auth/x HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: " + body.length() + "\r\n\r\n" + body;
    String next = "GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write((refused + next).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answers = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(answers).startsWith("HTTP/1.1 401");
      assertThat(answers.indexOf("HTTP/1.1 200", 1)).as(answers).isPositive();
    }
  }

  @Test
  void aSubscriberMayPassItsTokenAsQueryParameterOrCookie() throws Exception {
    String token = hs256(grants(List.of(), List.of("auth/*"), inOneHour()), SECRET);
    assertThat(subscribeStatus(server.uri().resolve("sub/auth/q?access_token=" + token), null)).isEqualTo(200);
    assertThat(subscribeStatus(server.uri().resolve("sub/auth/q"), "emitronAuthorization=" + token)).isEqualTo(200);
    assertThat(subscribeStatus(server.uri().resolve("sub/auth/q?access_token=garbage"), null)).isEqualTo(401);
  }

  @Test
  void subscribeOpenKeepsSubscriptionsPublicButNotPublishing() throws Exception {
    try (EmitronServer open = EmitronServer.create(ServerConfig.fromEnvironment(Map.of(
        "PORT", "0", "HOST", "127.0.0.1", "JWT_SECRET", SECRET, "SUBSCRIBE_OPEN", "true"))).start()) {
      assertThat(subscribeStatus(open.uri().resolve("sub/anything"), null)).isEqualTo(200);
      HttpResponse<String> publish = HTTP.send(HttpRequest.newBuilder(open.uri().resolve("pub/anything"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"data\":1}")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(publish.statusCode()).isEqualTo(401);
    }
  }

  @Test
  void tokensSignedWithRsaOrEcKeysAreVerifiedAgainstTheConfiguredPublicKey() throws Exception {
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair rsaKeys = rsa.generateKeyPair();
    KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
    ec.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair ecKeys = ec.generateKeyPair();
    JWTClaimsSet claims = grants(List.of("k/*"), List.of(), inOneHour());

    String rs256 = sign(new RSASSASigner(rsaKeys.getPrivate()), JWSAlgorithm.RS256, claims);
    String es256 = sign(new ECDSASigner((ECPrivateKey) ecKeys.getPrivate()), JWSAlgorithm.ES256, claims);
    String hsWithPublicKeyAsSecret = hs256(claims, pem(rsaKeys) + pem(rsaKeys));

    try (EmitronServer rsaServer = serverWithKey(pem(rsaKeys)); EmitronServer ecServer = serverWithKey(pem(ecKeys))) {
      assertThat(publishStatus(rsaServer, "k/1", rs256)).isEqualTo(200);
      assertThat(publishStatus(rsaServer, "k/1", es256)).isEqualTo(401);
      assertThat(publishStatus(rsaServer, "k/1", hsWithPublicKeyAsSecret)).isEqualTo(401);
      assertThat(publishStatus(rsaServer, "other", rs256)).isEqualTo(403);
      assertThat(publishStatus(ecServer, "k/1", es256)).isEqualTo(200);
      assertThat(publishStatus(ecServer, "k/1", rs256)).isEqualTo(401);
    }
  }

  private static EmitronServer serverWithKey(String pem) {
    return EmitronServer.create(ServerConfig.fromEnvironment(Map.of(
        "PORT", "0", "HOST", "127.0.0.1", "JWT_PUBLIC_KEY", pem))).start();
  }

  private static String pem(KeyPair keys) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keys.getPublic().getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static int publishStatus(EmitronServer target, String topic, String token) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(target.uri().resolve("pub/" + topic))
        .header("Authorization", "Bearer " + token)
        .POST(HttpRequest.BodyPublishers.ofString("{\"data\":1}")).build(),
        HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static int subscribeStatus(URI uri, String cookie) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET();
    if (cookie != null) {
      request.header("Cookie", cookie);
    }
    HttpResponse<InputStream> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    response.body().close();
    return response.statusCode();
  }
}
