package dev.emitron.standalone;

import dev.emitron.core.testing.ProtocolTestKit;
import java.util.Map;

/** The HTTP protocol kit against the standalone server with the in-memory transport. */
class MemoryProtocolIT extends ProtocolTestKit {

  @Override
  protected Server startServer(Map<String, String> env) {
    return StandaloneServer.start(env);
  }

  @Override
  protected String transportName() {
    return "memory";
  }
}
