package dev.emitron.redis;

import org.junit.jupiter.api.extension.RegisterExtension;

/** Several instances sharing one standalone Redis. */
class RedisTransportIT extends RedisMultiInstanceKit {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  @Override
  protected TestedRedis redis() {
    return redis;
  }
}
