package dev.emitron.standalone;

import dev.emitron.core.Transport;
import dev.emitron.redis.RedisOptions;
import dev.emitron.redis.RedisTransport;

/** Builds the Redis transport from the configuration. */
final class RedisTransportChoice {

  private RedisTransportChoice() {
  }

  /**
   * Returns the Redis transport for {@code REDIS_URL} and {@code CHANNEL_PREFIX}.
   *
   * @throws IllegalArgumentException naming the variable whose value cannot be used
   */
  static Transport.Factory factory(ServerConfig config) {
    RedisOptions.Builder options = RedisOptions.builder();
    try {
      options.uri(config.redisUrl());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid REDIS_URL: " + e.getMessage(), e);
    }
    try {
      options.channelPrefix(config.channelPrefix());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid CHANNEL_PREFIX: " + e.getMessage(), e);
    }
    return RedisTransport.factory(options.build());
  }
}
