package dev.emitron.core;

/** The in-memory transport passes the transport contract. */
class MemoryTransportContractTest extends TransportContractKit {

  @Override
  protected Transport.Factory transport() {
    return Transports.memory();
  }
}
