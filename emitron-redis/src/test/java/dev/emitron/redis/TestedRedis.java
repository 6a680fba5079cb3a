package dev.emitron.redis;

import io.lettuce.core.StreamMessage;
import java.util.List;
import java.util.Map;

/**
 * The Redis a test runs against, standalone ({@link RedisServerExtension}) or a cluster
 * ({@link RedisClusterExtension}), with the inspections the transport's tests make. In a cluster each
 * key command goes to the node owning the key, and the pub/sub counts are the sharded ones
 * ({@code PUBSUB SHARDNUMSUB}, {@code SHARDCHANNELS}) summed over the masters.
 */
public interface TestedRedis {

  /** The URL to give {@link RedisOptions.Builder#uri(String)}. */
  String uri();

  /** {@code XLEN}. */
  long xlen(String key);

  /** {@code EXISTS}. */
  long exists(String key);

  /** {@code XRANGE key - +}. */
  List<StreamMessage<String, String>> xrange(String key);

  /** {@code XADD key id field value ...}. */
  void xadd(String key, String id, Map<String, String> body);

  /** How many connections are subscribed to a live-feed channel. */
  long subscribers(String channel);

  /** Every subscribed live-feed channel. */
  List<String> channels();

  /** {@code PUBSUB NUMPAT}, summed over the nodes. */
  long patterns();

  /** {@code FLUSHALL} on every master. */
  void flushAll();

  /** {@code SCRIPT FLUSH} on every node. */
  void scriptFlush();
}
