package dev.emitron.standalone;

import dev.emitron.core.Transport;

/** Builds the Redis transport from the configuration. */
final class RedisTransportChoice {

  private RedisTransportChoice() {
  }

  static Transport.Factory factory(ServerConfig config) {
    throw new IllegalArgumentException("invalid REDIS_URL: the Redis transport is not in this build");
  }
}
