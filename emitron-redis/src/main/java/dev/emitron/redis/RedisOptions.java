package dev.emitron.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The settings of the Redis transport: where Redis is, the prefix of every key and channel, and how
 * long to wait for it. Immutable and thread-safe; built by {@link #builder()}.
 *
 * <pre>{@code
 * RedisOptions options = RedisOptions.builder()
 *     .uri("redis://:secret@redis.internal:6379/0")
 *     .channelPrefix("emitron-prod")
 *     .build();
 * Emitron emitron = Emitron.builder().transport(RedisTransport.factory(options)).build();
 * }</pre>
 *
 * <p>A URL with the scheme {@code redis-cluster://} (or {@code rediss-cluster://} for TLS) names the seed
 * nodes of a Redis Cluster, comma-separated, and selects cluster mode:
 * {@code redis-cluster://:secret@10.0.0.1:7000,10.0.0.2:7000}.
 */
public final class RedisOptions {

  /** Default of {@link Builder#uri(String)}. */
  public static final String DEFAULT_URI = "redis://localhost:6379";
  /** Default of {@link Builder#channelPrefix(String)}. */
  public static final String DEFAULT_CHANNEL_PREFIX = "emitron";
  /** Default of {@link Builder#commandTimeout(Duration)}. */
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(2);
  /** Default of {@link Builder#reconnectDelay(Duration)}. */
  public static final Duration DEFAULT_RECONNECT_DELAY = Duration.ofSeconds(1);
  /** Default of {@link Builder#requestQueueSize(int)}. */
  public static final int DEFAULT_REQUEST_QUEUE_SIZE = 16_384;
  /** Default of {@link Builder#topologyRefreshPeriod(Duration)}. */
  public static final Duration DEFAULT_TOPOLOGY_REFRESH_PERIOD = Duration.ofSeconds(30);

  /** The scheme of a Redis Cluster URL. */
  static final String CLUSTER_SCHEME = "redis-cluster://";
  /** The scheme of a Redis Cluster URL over TLS. */
  static final String CLUSTER_TLS_SCHEME = "rediss-cluster://";

  private final String uri;
  private final String channelPrefix;
  private final Duration commandTimeout;
  private final Duration reconnectDelay;
  private final int requestQueueSize;
  private final Duration topologyRefreshPeriod;

  private RedisOptions(Builder builder) {
    this.uri = builder.uri;
    this.channelPrefix = builder.channelPrefix;
    this.commandTimeout = builder.commandTimeout;
    this.reconnectDelay = builder.reconnectDelay;
    this.requestQueueSize = builder.requestQueueSize;
    this.topologyRefreshPeriod = builder.topologyRefreshPeriod;
  }

  /** Returns a builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Returns the options for Redis at {@code uri}, with the other defaults.
   *
   * @throws IllegalArgumentException if {@code uri} is not a Redis URL
   */
  public static RedisOptions create(String uri) {
    return builder().uri(uri).build();
  }

  /** The Redis URL, as given (it may hold a password: do not log it, {@link #toString()} masks it). */
  public String uri() {
    return uri;
  }

  /** The prefix of every Redis key and channel ({@code CHANNEL_PREFIX}). */
  public String channelPrefix() {
    return channelPrefix;
  }

  /** How long a command may take before it fails. */
  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** The longest wait between two attempts to reconnect. */
  public Duration reconnectDelay() {
    return reconnectDelay;
  }

  /** The most commands queued per connection before new ones are refused. */
  public int requestQueueSize() {
    return requestQueueSize;
  }

  /**
   * Whether the URL names a Redis Cluster ({@code redis-cluster://} or {@code rediss-cluster://}).
   *
   * @since 0.2
   */
  public boolean cluster() {
    return isCluster(uri);
  }

  /**
   * How often, in cluster mode, the cluster's topology is read again (besides the reads that
   * {@code MOVED} redirections, lost nodes and failed reconnects trigger).
   *
   * @since 0.2
   */
  public Duration topologyRefreshPeriod() {
    return topologyRefreshPeriod;
  }

  /** Parses the URL again: Lettuce's {@link RedisURI} is mutable, so each user gets its own. */
  RedisURI redisUri() {
    return RedisURI.create(uri);
  }

  /** The seed nodes of a cluster URL, parsed again on each call (see {@link #redisUri()}). */
  List<RedisURI> clusterUris() {
    return parseCluster(uri);
  }

  private static boolean isCluster(String uri) {
    return uri.startsWith(CLUSTER_SCHEME) || uri.startsWith(CLUSTER_TLS_SCHEME);
  }

  /**
   * Reads {@code redis-cluster://[[user]:password@]host:port[,host:port...][/db]}: every seed node gets
   * the credentials, and TLS when the scheme is {@code rediss-cluster://}.
   */
  private static List<RedisURI> parseCluster(String uri) {
    boolean tls = uri.startsWith(CLUSTER_TLS_SCHEME);
    String rest = uri.substring(tls ? CLUSTER_TLS_SCHEME.length() : CLUSTER_SCHEME.length());
    int at = rest.lastIndexOf('@');
    String credentials = at < 0 ? "" : rest.substring(0, at + 1);
    String hosts = at < 0 ? rest : rest.substring(at + 1);
    int slash = hosts.indexOf('/');
    if (slash >= 0) {
      String path = hosts.substring(slash);
      if (!path.equals("/") && !path.equals("/0")) {
        throw new IllegalArgumentException("a Redis Cluster has only database 0");
      }
      hosts = hosts.substring(0, slash);
    }
    List<RedisURI> seeds = new ArrayList<>();
    for (String host : hosts.split(",", -1)) {
      String trimmed = host.trim();
      if (trimmed.isEmpty()) {
        throw new IllegalArgumentException("empty host in the list of cluster nodes");
      }
      seeds.add(RedisURI.create((tls ? "rediss://" : "redis://") + credentials + trimmed));
    }
    return seeds;
  }

  @Override
  public String toString() {
    return "RedisOptions{uri=" + masked(uri) + ", channelPrefix=" + channelPrefix + ", commandTimeout="
        + commandTimeout + ", reconnectDelay=" + reconnectDelay + ", requestQueueSize=" + requestQueueSize
        + ", topologyRefreshPeriod=" + topologyRefreshPeriod + "}";
  }

  /** Hides the password of a URL ({@code redis://user:secret@host} becomes {@code redis://user:***@host}). */
  static String masked(String uri) {
    int scheme = uri.indexOf("://");
    int at = uri.lastIndexOf('@');
    if (scheme < 0 || at < scheme) {
      return uri;
    }
    int colon = uri.indexOf(':', scheme + 3);
    if (colon < 0 || colon > at) {
      return uri.substring(0, scheme + 3) + "***" + uri.substring(at);
    }
    return uri.substring(0, colon + 1) + "***" + uri.substring(at);
  }

  /** Builds {@link RedisOptions}. Not thread-safe; each setter validates its argument at once. */
  public static final class Builder {

    private String uri = DEFAULT_URI;
    private String channelPrefix = DEFAULT_CHANNEL_PREFIX;
    private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
    private Duration reconnectDelay = DEFAULT_RECONNECT_DELAY;
    private int requestQueueSize = DEFAULT_REQUEST_QUEUE_SIZE;
    private Duration topologyRefreshPeriod = DEFAULT_TOPOLOGY_REFRESH_PERIOD;

    private Builder() {
    }

    /**
     * The Redis URL ({@code REDIS_URL}): {@code redis://[[user]:password@]host[:port][/db]}, or
     * {@code rediss://} for TLS, as Lettuce's {@link RedisURI} reads it; default {@value #DEFAULT_URI}.
     * For a Redis Cluster, {@code redis-cluster://[[user]:password@]host:port[,host:port...]} (or
     * {@code rediss-cluster://} for TLS) names some of its nodes; the others are discovered.
     *
     * @throws IllegalArgumentException if it is not a Redis URL; the message names the value with its
     *     password masked
     */
    public Builder uri(String uri) {
      Objects.requireNonNull(uri, "uri");
      try {
        if (isCluster(uri)) {
          parseCluster(uri);
        } else {
          RedisURI.create(uri);
        }
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(
            "not a Redis URL: '" + masked(uri) + "' (" + e.getMessage() + ")", e);
      }
      this.uri = uri;
      return this;
    }

    /**
     * The prefix of every key and channel ({@code CHANNEL_PREFIX}), so that deployments sharing one
     * Redis do not see each other's topics; default {@value #DEFAULT_CHANNEL_PREFIX}.
     *
     * @throws IllegalArgumentException if empty, longer than 128 characters, or holding a control
     *     character or a brace ({@code {}} or {@code }}, which would break the Redis Cluster hash tag)
     */
    public Builder channelPrefix(String channelPrefix) {
      Objects.requireNonNull(channelPrefix, "channelPrefix");
      if (channelPrefix.isEmpty() || channelPrefix.length() > 128) {
        throw new IllegalArgumentException("channel prefix must be 1 to 128 characters: '" + channelPrefix + "'");
      }
      for (int i = 0; i < channelPrefix.length(); i++) {
        char c = channelPrefix.charAt(i);
        if (c < 0x20 || c == 0x7f || c == '{' || c == '}') {
          throw new IllegalArgumentException(
              "channel prefix must not hold control characters or braces: '" + channelPrefix + "'");
        }
      }
      this.channelPrefix = channelPrefix;
      return this;
    }

    /**
     * How long a command (publish, read, clear, ping) may take before it fails with
     * {@link dev.emitron.core.EmitronException.Unavailable}; also the connect timeout; default 2 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder commandTimeout(Duration commandTimeout) {
      Objects.requireNonNull(commandTimeout, "commandTimeout");
      if (commandTimeout.isNegative() || commandTimeout.isZero()) {
        throw new IllegalArgumentException("command timeout must be positive: " + commandTimeout);
      }
      this.commandTimeout = commandTimeout;
      return this;
    }

    /**
     * The longest wait between two attempts to reconnect after Redis was lost (the waits grow
     * exponentially up to it); default 1 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder reconnectDelay(Duration reconnectDelay) {
      Objects.requireNonNull(reconnectDelay, "reconnectDelay");
      if (reconnectDelay.isNegative() || reconnectDelay.isZero()) {
        throw new IllegalArgumentException("reconnect delay must be positive: " + reconnectDelay);
      }
      this.reconnectDelay = reconnectDelay;
      return this;
    }

    /**
     * The most commands queued on a connection; more fail at once with
     * {@link dev.emitron.core.EmitronException.Unavailable} rather than let memory grow; default
     * {@value #DEFAULT_REQUEST_QUEUE_SIZE}.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder requestQueueSize(int requestQueueSize) {
      if (requestQueueSize <= 0) {
        throw new IllegalArgumentException("request queue size must be positive: " + requestQueueSize);
      }
      this.requestQueueSize = requestQueueSize;
      return this;
    }

    /**
     * How often, in cluster mode, the topology of the cluster is read again, so that slots that
     * moved and replicas that took over are found even when no command was redirected; default 30 s.
     * Lost nodes and {@code MOVED} replies trigger a read at once besides. Ignored for standalone Redis.
     *
     * @throws IllegalArgumentException if not positive
     * @since 0.2
     */
    public Builder topologyRefreshPeriod(Duration topologyRefreshPeriod) {
      Objects.requireNonNull(topologyRefreshPeriod, "topologyRefreshPeriod");
      if (topologyRefreshPeriod.isNegative() || topologyRefreshPeriod.isZero()) {
        throw new IllegalArgumentException("topology refresh period must be positive: " + topologyRefreshPeriod);
      }
      this.topologyRefreshPeriod = topologyRefreshPeriod;
      return this;
    }

    /** Returns the options. */
    public RedisOptions build() {
      return new RedisOptions(this);
    }
  }
}
