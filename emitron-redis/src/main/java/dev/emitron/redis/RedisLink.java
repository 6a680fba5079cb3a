package dev.emitron.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.async.RedisScriptingAsyncCommands;
import io.lettuce.core.protocol.ProtocolVersion;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * What the transport needs of Redis, the same for standalone Redis and a Redis Cluster: script
 * commands (routed to the node owning the key in a cluster), a ping, and the live feed's subscribe
 * and unsubscribe commands ({@code SUBSCRIBE}, or {@code SSUBSCRIBE} in a cluster). The transport's
 * logic (scripts, ids, the live feed's bookkeeping) is shared; only this differs.
 *
 * <p>A link owns its Lettuce client and connections, not the client resources, which the transport
 * creates and shuts down after {@link #close()}.
 */
interface RedisLink extends LiveFeed.Commands {

  /** Script commands: {@code EVALSHA}, {@code EVAL}, {@code SCRIPT LOAD}. */
  RedisScriptingAsyncCommands<String, String> scripting();

  /** {@code INFO server}, synchronously; used once at start-up. */
  String serverInfo();

  /** {@code PING}; completes with {@code PONG} when Redis (every master owning slots, in a cluster) answers. */
  CompletionStage<String> ping();

  /** Whether the live feed's connection is open. */
  boolean feedOpen();

  /** Whether the live feed is sharded ({@code SPUBLISH}/{@code SSUBSCRIBE}). */
  boolean sharded();

  /** Redis ended a wanted subscription by itself (a slot moved): subscribe it again soon. */
  default void dropped() {
  }

  /** Starts delivering the live feed's callbacks to {@code feed}. */
  void attach(LiveFeed feed);

  /** Closes the connections and the client; idempotent. */
  void close();

  /**
   * The client options both modes share: reject commands at once while disconnected, bound the
   * request queue, time out every command, reconnect by themselves, TCP keep-alive.
   */
  static <B extends ClientOptions.Builder> B configure(B builder, RedisOptions options) {
    Duration timeout = options.commandTimeout();
    builder.autoReconnect(true);
    builder.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS);
    builder.requestQueueSize(options.requestQueueSize());
    builder.timeoutOptions(TimeoutOptions.enabled(timeout));
    builder.protocolVersion(ProtocolVersion.RESP2);
    builder.socketOptions(SocketOptions.builder()
        .connectTimeout(timeout)
        .keepAlive(SocketOptions.KeepAliveOptions.builder()
            .enable()
            .idle(Duration.ofSeconds(15))
            .interval(Duration.ofSeconds(5))
            .count(3)
            .build())
        .build());
    return builder;
  }
}
