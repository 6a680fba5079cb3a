package dev.emitron.standalone;

import dev.emitron.core.testing.ProtocolTestKit;
import dev.emitron.redis.RedisServerExtension;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The HTTP protocol kit against the standalone server with the Redis transport. */
class RedisProtocolIT extends ProtocolTestKit {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  private static final AtomicInteger PREFIXES = new AtomicInteger();

  @Override
  protected Server startServer(Map<String, String> env) {
    Map<String, String> withRedis = new HashMap<>(env);
    withRedis.put("REDIS_URL", redis.uri());
    withRedis.putIfAbsent("CHANNEL_PREFIX", "proto" + PREFIXES.incrementAndGet());
    return StandaloneServer.start(withRedis);
  }

  @Override
  protected String transportName() {
    return "redis";
  }
}
