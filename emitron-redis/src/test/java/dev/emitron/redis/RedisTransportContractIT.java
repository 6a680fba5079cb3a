package dev.emitron.redis;

import dev.emitron.core.Transport;
import dev.emitron.core.TransportContractKit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis transport passes the transport contract, against a real Redis. */
class RedisTransportContractIT extends TransportContractKit {

  @RegisterExtension
  static final RedisServerExtension redis = new RedisServerExtension();

  @Override
  protected Transport.Factory transport() {
    return RedisTransport.factory(redis.uri());
  }
}
