package dev.emitron.standalone;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The standalone server's configuration, read from environment variables (DESIGN §4). Every value is
 * validated; a bad one is reported with the variable's name and the value, and stops start-up.
 *
 * @param host bind address ({@code HOST}, default {@code 0.0.0.0})
 * @param port HTTP port ({@code PORT}, default 3000; 0 picks a free port)
 * @param redisUrl Redis URL ({@code REDIS_URL}); {@code null} selects the in-memory transport
 * @param channelPrefix prefix of every Redis key and channel ({@code CHANNEL_PREFIX}, default {@code emitron})
 * @param heartbeat heartbeat interval ({@code HEARTBEAT_MS}, default 15000; 0 turns heartbeats off)
 * @param retry the {@code retry:} value sent to clients ({@code RETRY_MS}, default 10000)
 * @param replayMax messages kept per topic ({@code REPLAY_MAX}, default 100)
 * @param corsOrigins allowed origins ({@code CORS_ORIGINS}, comma-separated, default {@code *})
 * @param maxBodyBytes largest publish body ({@code MAX_BODY_BYTES}, default 1048576)
 * @param maxPendingBytes bound on a stream's unsent bytes ({@code MAX_PENDING_BYTES}, default 4194304)
 * @param shutdownGrace how long a graceful shutdown may take ({@code SHUTDOWN_GRACE_MS}, default 10000)
 * @param maxConnections most SSE streams at once ({@code MAX_CONNECTIONS}, default 0: no limit)
 * @param publishToken static token for publishing and clearing ({@code PUBLISH_TOKEN}), or null
 * @param jwtSecret HS256 secret for JWTs ({@code JWT_SECRET}), or null
 * @param jwtPublicKey PEM public key for RS256/ES256 JWTs ({@code JWT_PUBLIC_KEY}: the PEM text or a
 *     file holding it), or null
 * @param subscribeOpen whether subscribing stays open when JWTs are configured ({@code SUBSCRIBE_OPEN})
 * @param logLevel level of emitron's log lines ({@code LOG_LEVEL}: ERROR, WARN, INFO, DEBUG or TRACE; default
 *     INFO); read by the bundled logback.xml, checked here
 * @param logFormat {@code plain} or {@code json} lines ({@code LOG_FORMAT}, default {@code plain})
 * @param console whether the web console is served at {@code /} ({@code CONSOLE}, default true)
 */
public record ServerConfig(String host, int port, /* @Nullable */ String redisUrl, String channelPrefix,
    Duration heartbeat, Duration retry, int replayMax, List<String> corsOrigins, int maxBodyBytes,
    long maxPendingBytes, Duration shutdownGrace, int maxConnections, /* @Nullable */ String publishToken,
    /* @Nullable */ String jwtSecret, /* @Nullable */ String jwtPublicKey, boolean subscribeOpen,
    String logLevel, String logFormat, boolean console) {

  /** Copies the origins and checks for nulls. */
  public ServerConfig {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(channelPrefix, "channelPrefix");
    corsOrigins = List.copyOf(corsOrigins);
  }

  /** The defaults of the configuration table, with an in-memory transport. */
  public static ServerConfig defaults() {
    return fromEnvironment(Map.of());
  }

  /**
   * Reads the configuration from environment variables; unset and empty variables take their default.
   *
   * @throws IllegalArgumentException naming the variable and its bad value
   */
  public static ServerConfig fromEnvironment(Map<String, String> env) {
    Reader read = new Reader(env);
    return new ServerConfig(
        read.string("HOST", "0.0.0.0"),
        (int) read.number("PORT", 3000, 0, 65535),
        read.optional("REDIS_URL"),
        read.string("CHANNEL_PREFIX", "emitron"),
        Duration.ofMillis(read.number("HEARTBEAT_MS", 15000, 0, 86_400_000)),
        Duration.ofMillis(read.number("RETRY_MS", 10000, 0, 86_400_000)),
        (int) read.number("REPLAY_MAX", 100, 0, 1_000_000),
        read.list("CORS_ORIGINS", "*"),
        (int) read.number("MAX_BODY_BYTES", 1_048_576, 1, Integer.MAX_VALUE - 8),
        read.number("MAX_PENDING_BYTES", 4L * 1_048_576, 1024, Long.MAX_VALUE),
        Duration.ofMillis(read.number("SHUTDOWN_GRACE_MS", 10000, 0, 600_000)),
        (int) read.number("MAX_CONNECTIONS", 0, 0, Integer.MAX_VALUE),
        read.optional("PUBLISH_TOKEN"),
        read.optional("JWT_SECRET"),
        read.pem("JWT_PUBLIC_KEY"),
        read.bool("SUBSCRIBE_OPEN", false),
        read.choice("LOG_LEVEL", "INFO", List.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE")),
        read.choice("LOG_FORMAT", "plain", List.of("plain", "json")),
        read.bool("CONSOLE", true));
  }

  /** Whether anyone may publish: no publish token and no JWT key. */
  public boolean publishingOpen() {
    return publishToken == null && jwtSecret == null && jwtPublicKey == null;
  }

  /** Never prints secrets. */
  @Override
  public String toString() {
    return "ServerConfig[host=" + host + ", port=" + port + ", redis=" + (redisUrl != null)
        + ", channelPrefix=" + channelPrefix + ", heartbeat=" + heartbeat + ", retry=" + retry
        + ", replayMax=" + replayMax + ", corsOrigins=" + corsOrigins + ", maxBodyBytes=" + maxBodyBytes
        + ", maxPendingBytes=" + maxPendingBytes + ", shutdownGrace=" + shutdownGrace
        + ", maxConnections=" + maxConnections + ", publishToken=" + (publishToken != null ? "set" : "unset")
        + ", jwt=" + (jwtSecret != null ? "HS256" : jwtPublicKey != null ? "public key" : "unset")
        + ", subscribeOpen=" + subscribeOpen + ", logLevel=" + logLevel + ", logFormat=" + logFormat
        + ", console=" + console + "]";
  }

  /** Returns this configuration with another port; used by tests and examples. */
  public ServerConfig withPort(int port) {
    return new ServerConfig(host, port, redisUrl, channelPrefix, heartbeat, retry, replayMax, corsOrigins,
        maxBodyBytes, maxPendingBytes, shutdownGrace, maxConnections, publishToken, jwtSecret, jwtPublicKey,
        subscribeOpen, logLevel, logFormat, console);
  }

  private static final class Reader {
    private final Map<String, String> env;

    Reader(Map<String, String> env) {
      this.env = env;
    }

    /* @Nullable */ String optional(String name) {
      String value = env.get(name);
      return value == null || value.isBlank() ? null : value.trim();
    }

    String string(String name, String fallback) {
      String value = optional(name);
      if (value == null) {
        return fallback;
      }
      if (value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
        throw bad(name, value, "no control characters");
      }
      return value;
    }

    long number(String name, long fallback, long min, long max) {
      String value = optional(name);
      if (value == null) {
        return fallback;
      }
      long parsed;
      try {
        parsed = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw bad(name, value, "an integer from " + min + " to " + max);
      }
      if (parsed < min || parsed > max) {
        throw bad(name, value, "an integer from " + min + " to " + max);
      }
      return parsed;
    }

    boolean bool(String name, boolean fallback) {
      String value = optional(name);
      if (value == null) {
        return fallback;
      }
      return switch (value.toLowerCase(java.util.Locale.ROOT)) {
        case "true", "1", "yes" -> true;
        case "false", "0", "no" -> false;
        default -> throw bad(name, value, "true or false");
      };
    }

    /** One of {@code allowed}, compared without case, returned as spelled in {@code allowed}. */
    String choice(String name, String fallback, List<String> allowed) {
      String value = optional(name);
      if (value == null) {
        return fallback;
      }
      for (String candidate : allowed) {
        if (candidate.equalsIgnoreCase(value)) {
          return candidate;
        }
      }
      throw bad(name, value, "one of " + String.join(", ", allowed));
    }

    /** A PEM text, or the path of a file holding one; the value itself is never echoed. */
    /* @Nullable */ String pem(String name) {
      String value = optional(name);
      if (value == null || value.contains("-----BEGIN")) {
        return value;
      }
      try {
        return java.nio.file.Files.readString(java.nio.file.Path.of(value));
      } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
        throw bad(name, value, "a PEM public key or the path of a readable file holding one");
      }
    }

    List<String> list(String name, String fallback) {
      String value = string(name, fallback);
      List<String> items = new ArrayList<>();
      for (String item : value.split(",")) {
        if (!item.isBlank()) {
          items.add(item.trim());
        }
      }
      if (items.isEmpty()) {
        throw bad(name, value, "a comma-separated list of origins, or *");
      }
      return items;
    }

    private static IllegalArgumentException bad(String name, String value, String expected) {
      return new IllegalArgumentException("invalid " + name + "='" + value + "': expected " + expected);
    }
  }
}
