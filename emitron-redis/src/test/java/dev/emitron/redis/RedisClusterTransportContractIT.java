package dev.emitron.redis;

import dev.emitron.core.Transport;
import dev.emitron.core.TransportContractKit;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis transport passes the transport contract against a real Redis Cluster (sharded pub/sub). */
class RedisClusterTransportContractIT extends TransportContractKit {

  @RegisterExtension
  static final RedisClusterExtension cluster = new RedisClusterExtension(3, 0);

  @Override
  protected Transport.Factory transport() {
    return RedisTransport.factory(cluster.uri());
  }
}
