package dev.emitron.standalone;

import java.util.Map;

/** The HTTP protocol kit against the standalone server with the in-memory transport. */
class MemoryProtocolIT extends ProtocolTestKit {

  @Override
  protected EmitronServer startServer(Map<String, String> env) {
    return EmitronServer.create(ServerConfig.fromEnvironment(env)).start();
  }

  @Override
  protected String transportName() {
    return "memory";
  }
}
