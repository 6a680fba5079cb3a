package dev.emitron.servlet;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.proc.ConfigurableJWTProcessor;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import dev.emitron.core.Topic;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Authorization by bearer token: a static publish token, JSON Web Tokens with per-topic grants, or both.
 *
 * <pre>{@code
 * Authorizer auth = TokenAuthorizer.builder()
 *     .publishToken(System.getenv("PUBLISH_TOKEN"))
 *     .jwtSecret(System.getenv("JWT_SECRET"))
 *     .build();
 * }</pre>
 *
 * <p>A token is taken from the {@code Authorization: Bearer} header, else the {@code access_token} query
 * parameter (browsers' {@code EventSource} cannot set headers), else the {@value #COOKIE} cookie. A JWT
 * grants topics in its {@code emitron} claim: {@code {"publish":["news/*"],"subscribe":["**"]}} (exact
 * names, {@code *} for one path segment, a final {@code **} for any further segments). Publishing also
 * grants clearing the buffer. Expiry ({@code exp}) and not-before ({@code nbf}) are checked; unsigned
 * tokens ({@code alg: none}) and algorithms other than the configured key's are refused.
 *
 * <p>Publishing and clearing need a token once a publish token or a JWT key is set. Subscribing needs a
 * token once a JWT key is set, unless {@link Builder#subscribeOpen(boolean)}. Thread-safe and immutable.
 */
public final class TokenAuthorizer implements Authorizer {

  /** The cookie a token may come in. */
  public static final String COOKIE = "emitronAuthorization";
  /** The query parameter a token may come in. */
  public static final String QUERY_PARAMETER = "access_token";
  /** The claim holding a JWT's grants. */
  public static final String CLAIM = "emitron";

  private final byte[] publishToken;
  private final ConfigurableJWTProcessor<SecurityContext> jwt;
  private final boolean subscribeOpen;

  private TokenAuthorizer(Builder builder) {
    this.publishToken = builder.publishToken == null ? null : builder.publishToken.getBytes(StandardCharsets.UTF_8);
    this.jwt = builder.processor;
    this.subscribeOpen = builder.subscribeOpen || builder.processor == null;
  }

  /** Returns a builder; with nothing set, the authorizer allows everything. */
  public static Builder builder() {
    return new Builder();
  }

  /** Whether anyone may publish without a token. */
  public boolean publishingOpen() {
    return publishToken == null && jwt == null;
  }

  @Override
  public Decision authorize(HttpServletRequest request, Action action, Topic topic) {
    boolean open = action == Action.SUBSCRIBE ? subscribeOpen : publishingOpen();
    if (open) {
      return Decision.allow();
    }
    String token = token(request);
    if (token == null) {
      return Decision.unauthorized("a bearer token is required to " + verb(action) + " this topic");
    }
    if (action != Action.SUBSCRIBE && publishToken != null
        && MessageDigest.isEqual(publishToken, token.getBytes(StandardCharsets.UTF_8))) {
      return Decision.allow();
    }
    if (jwt == null) {
      return Decision.unauthorized("the token is not valid");
    }
    JWTClaimsSet claims;
    try {
      claims = jwt.process(token, null);
    } catch (ParseException | BadJOSEException | JOSEException e) {
      return Decision.unauthorized("the token is not valid: " + describe(e));
    }
    List<TopicPattern> grants = grants(claims, action == Action.SUBSCRIBE ? "subscribe" : "publish");
    if (TopicPattern.anyMatches(grants, topic.name())) {
      return Decision.allow();
    }
    return Decision.forbidden("the token does not allow to " + verb(action) + " this topic");
  }

  private static String verb(Action action) {
    return switch (action) {
      case SUBSCRIBE -> "subscribe to";
      case PUBLISH -> "publish to";
      case CLEAR -> "clear";
    };
  }

  /** Says why a token failed without repeating any of it. */
  private static String describe(Exception e) {
    String message = e.getMessage() == null ? "" : e.getMessage().toLowerCase();
    if (message.contains("expired")) {
      return "expired";
    }
    if (e instanceof ParseException || message.contains("invalid serialization") || message.contains("parse")) {
      return "malformed";
    }
    if (message.contains("unsecured") || message.contains("plain")) {
      return "unsigned tokens are refused";
    }
    if (message.contains("signature")) {
      return "bad signature";
    }
    if (message.contains("algorithm") || message.contains("key selector") || message.contains("matching key")) {
      return "algorithm or key not accepted";
    }
    return "rejected";
  }

  private static List<TopicPattern> grants(JWTClaimsSet claims, String kind) {
    Object claim = claims.getClaim(CLAIM);
    List<TopicPattern> patterns = new ArrayList<>();
    if (claim instanceof Map<?, ?> map && map.get(kind) instanceof List<?> list) {
      for (Object item : list) {
        if (item instanceof String pattern) {
          patterns.add(TopicPattern.of(pattern));
        }
      }
    }
    return patterns;
  }

  private static /* @Nullable */ String token(HttpServletRequest request) {
    String header = request.getHeader("Authorization");
    if (header != null) {
      return header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : header.trim();
    }
    String query = request.getParameter(QUERY_PARAMETER);
    if (query != null && !query.isEmpty()) {
      return query;
    }
    Cookie[] cookies = request.getCookies();
    if (cookies != null) {
      for (Cookie cookie : cookies) {
        if (cookie.getName().equals(COOKIE) && !cookie.getValue().isEmpty()) {
          return cookie.getValue();
        }
      }
    }
    return null;
  }

  /** Builds a {@link TokenAuthorizer}. */
  public static final class Builder {

    private String publishToken;
    private ConfigurableJWTProcessor<SecurityContext> processor;
    private boolean subscribeOpen;

    private Builder() {
    }

    /**
     * A static token that allows publishing and clearing any topic ({@code PUBLISH_TOKEN}); compared in
     * constant time. Null or empty leaves it unset.
     */
    public Builder publishToken(/* @Nullable */ String token) {
      this.publishToken = token == null || token.isEmpty() ? null : token;
      return this;
    }

    /**
     * Verifies JWTs signed with HS256 and this secret ({@code JWT_SECRET}); at least 32 bytes.
     * Null or empty leaves it unset.
     *
     * @throws IllegalArgumentException if shorter than 32 bytes
     */
    public Builder jwtSecret(/* @Nullable */ String secret) {
      if (secret == null || secret.isEmpty()) {
        return this;
      }
      byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
      if (bytes.length < 32) {
        throw new IllegalArgumentException("the JWT secret must be at least 32 bytes for HS256, got " + bytes.length);
      }
      this.processor = processor(new JWSVerificationKeySelector<>(JWSAlgorithm.HS256, new ImmutableSecret<>(bytes)));
      return this;
    }

    /**
     * Verifies JWTs signed with RS256 (an RSA key) or ES256 (an EC P-256 key) against this PEM-encoded
     * public key ({@code JWT_PUBLIC_KEY}, "-----BEGIN PUBLIC KEY-----"). Null or empty leaves it unset.
     *
     * @throws IllegalArgumentException if it is not a PEM RSA or EC public key
     */
    public Builder jwtPublicKey(/* @Nullable */ String pem) {
      if (pem == null || pem.isBlank()) {
        return this;
      }
      PublicKey key = parsePem(pem);
      JWK jwk;
      JWSAlgorithm algorithm;
      if (key instanceof RSAPublicKey rsa) {
        jwk = new RSAKey.Builder(rsa).build();
        algorithm = JWSAlgorithm.RS256;
      } else if (key instanceof ECPublicKey ec) {
        Curve curve = Curve.forECParameterSpec(ec.getParams());
        if (!Curve.P_256.equals(curve)) {
          throw new IllegalArgumentException("the JWT public key must be on the P-256 curve for ES256");
        }
        jwk = new ECKey.Builder(curve, ec).build();
        algorithm = JWSAlgorithm.ES256;
      } else {
        throw new IllegalArgumentException("the JWT public key must be an RSA or EC key");
      }
      this.processor = processor(new JWSVerificationKeySelector<>(algorithm, new ImmutableJWKSet<>(new JWKSet(jwk))));
      return this;
    }

    /** Whether subscribing stays open when JWTs are configured ({@code SUBSCRIBE_OPEN}); default false. */
    public Builder subscribeOpen(boolean subscribeOpen) {
      this.subscribeOpen = subscribeOpen;
      return this;
    }

    /** Creates the authorizer. */
    public TokenAuthorizer build() {
      return new TokenAuthorizer(this);
    }

    private static ConfigurableJWTProcessor<SecurityContext> processor(
        JWSVerificationKeySelector<SecurityContext> selector) {
      DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();
      processor.setJWSKeySelector(selector);
      processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(null, new HashSet<>(Set.of())));
      return processor;
    }

    private static PublicKey parsePem(String pem) {
      String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
      byte[] der;
      try {
        der = Base64.getDecoder().decode(base64);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("the JWT public key is not PEM (base64 between BEGIN/END PUBLIC KEY)");
      }
      for (String algorithm : List.of("RSA", "EC")) {
        try {
          return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(der));
        } catch (java.security.GeneralSecurityException e) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException("the JWT public key is neither an RSA nor an EC public key");
    }
  }
}
