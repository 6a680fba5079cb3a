/**
 * The Redis transport of emitron: instances that share one Redis share topics, message ids and replay
 * buffers.
 *
 * <p>A one-minute guide:
 * <ul>
 *   <li>Configure it with {@link dev.emitron.redis.RedisOptions} (the Redis URL, the key and channel
 *       prefix, timeouts) and hand {@link dev.emitron.redis.RedisTransport#factory(RedisOptions)} to
 *       {@code Emitron.builder().transport(...)}. Emitron then creates, starts and closes the transport.</li>
 *   <li>Each topic is a Redis Stream (its replay buffer, trimmed to exactly {@code replayMax}) and a pub/sub
 *       channel (its live feed): {@code <prefix>:{<topic>}:buf} and {@code <prefix>:{<topic>}:live}. Stream
 *       entry ids are the message ids, so every instance sees the same ids.</li>
 *   <li>A publish is one Lua script (store and notify in one step); reads are one script each.</li>
 *   <li>Each instance holds one pub/sub connection for all its topics. When it is lost Lettuce
 *       reconnects and re-subscribes, and emitron reads what the live feed missed from the buffer; if the
 *       buffer lost it too (Redis restarted empty), the affected subscribers are closed with
 *       {@code CloseReason.GAP} so their clients resume with a gap signal.</li>
 *   <li>While Redis cannot be reached every call fails within the command timeout with
 *       {@code EmitronException.Unavailable}; nothing is half published.</li>
 *   <li>A {@code redis-cluster://host:port,host:port} URL selects Redis Cluster mode: Lettuce's cluster
 *       client runs each script on the master owning the topic's slot, and the live feed uses sharded
 *       pub/sub ({@code SPUBLISH}/{@code SSUBSCRIBE}), so each shard carries only its own topics. When
 *       a slot moves or a replica takes over, the transport subscribes the channel again on its new
 *       master and emitron reads what was missed from the buffer.</li>
 * </ul>
 *
 * <p>Requires Redis 7.0 or later, standalone or Redis Cluster (Sentinel URLs go through Lettuce's own
 * support, untested here). Arguments and return values are non-null unless documented otherwise.
 */
package dev.emitron.redis;
