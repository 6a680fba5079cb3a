package dev.emitron.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Several instances sharing one Redis Cluster (three masters, sharded pub/sub): the same behaviour. */
class RedisClusterTransportIT extends RedisMultiInstanceKit {

  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension(3, 0);

  @Override
  protected TestedRedis redis() {
    return cluster;
  }
}
