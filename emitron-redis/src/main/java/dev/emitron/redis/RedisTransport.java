package dev.emitron.redis;

import dev.emitron.core.Transport;
import java.util.Objects;

/**
 * The Redis transport: several emitron instances sharing one Redis share topics, ids and replay
 * buffers.
 *
 * <pre>{@code
 * try (Emitron emitron = Emitron.builder()
 *     .transport(RedisTransport.factory(RedisOptions.create("redis://localhost:6379")))
 *     .build()) {
 *   emitron.publish("news", Map.of("title", "hello")).toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Each topic has a Redis Stream, its replay buffer, and a pub/sub channel, its live feed:
 * {@code <prefix>:{<topic>}:buf} and {@code <prefix>:{<topic>}:live}, the topic inside a Redis Cluster
 * hash tag (with {@code %} and {@code }} percent-encoded) so that both share a slot. A publish is one
 * Lua script: {@code XADD} with exact {@code MAXLEN} trimming, then {@code PUBLISH}; the message id is
 * the Stream entry id. Reads are one Lua script each, so they are atomic snapshots. Channels are
 * subscribed with {@code SUBSCRIBE}, never {@code PSUBSCRIBE}, so {@code *} or {@code ?} in a topic is
 * never a pattern. Requires Redis 7.0 or later. Sentinel URLs go through Lettuce's own support, untested
 * here.
 *
 * <p>A {@code redis-cluster://} URL ({@link RedisOptions.Builder#uri(String)}) selects Redis Cluster mode:
 * the scripts run on the master owning the topic's slot, the live feed uses sharded pub/sub
 * ({@code SPUBLISH} in the publish script, {@code SSUBSCRIBE} per channel on the owning master), the
 * topology is refreshed periodically and on redirections, and channels whose slot moved or whose master
 * failed over are subscribed again on the new owner, after which emitron reads what was missed from the
 * buffer (since 0.2).
 *
 * <p>Each transport opens its connections (standalone: one for commands and one for pub/sub; cluster:
 * that pair for each master it uses) and owns the Lettuce client resources (event-loop threads) it
 * creates; {@link Transport#close()} releases them. Lettuce reconnects by itself after Redis is lost;
 * meanwhile commands fail at once with {@link dev.emitron.core.EmitronException.Unavailable}, and once
 * the live feed is back emitron reads what it missed from the buffer. The live feed's callbacks run on
 * Lettuce's event-loop threads.
 */
public final class RedisTransport {

  private RedisTransport() {
  }

  /**
   * Returns a factory of Redis transports for {@link dev.emitron.core.Emitron.Builder#transport}. The
   * transport connects when emitron builds it and fails with
   * {@link dev.emitron.core.EmitronException.Unavailable} if Redis cannot be reached then.
   */
  public static Transport.Factory factory(RedisOptions options) {
    Objects.requireNonNull(options, "options");
    return (settings, listener) -> new LettuceTransport(options, settings, listener);
  }

  /**
   * Returns a factory of Redis transports for Redis at {@code uri}, with the other defaults.
   *
   * @throws IllegalArgumentException if {@code uri} is not a Redis URL
   */
  public static Transport.Factory factory(String uri) {
    return factory(RedisOptions.create(uri));
  }
}
