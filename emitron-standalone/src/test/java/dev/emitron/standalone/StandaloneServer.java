package dev.emitron.standalone;

import dev.emitron.core.Emitron;
import dev.emitron.core.testing.ProtocolTestKit;
import java.net.URI;
import java.util.Map;

/** The standalone server as the protocol kit's {@link ProtocolTestKit.Server}. */
record StandaloneServer(EmitronServer server) implements ProtocolTestKit.Server {

  static StandaloneServer start(Map<String, String> env) {
    return new StandaloneServer(EmitronServer.create(ServerConfig.fromEnvironment(env)).start());
  }

  @Override
  public URI uri() {
    return server.uri();
  }

  @Override
  public int openStreams() {
    return server.openStreams();
  }

  @Override
  public Emitron emitron() {
    return server.emitron();
  }

  @Override
  public void close() {
    server.close();
  }
}
