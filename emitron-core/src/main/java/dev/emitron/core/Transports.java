package dev.emitron.core;

/** Factories of the transports that ship with the core. */
public final class Transports {

  private Transports() {
  }

  /**
   * The in-memory transport: one instance, no external service. Buffers live in the heap and are lost
   * when the process stops; ids stay increasing across restarts because they start from the clock.
   */
  public static Transport.Factory memory() {
    return MemoryTransport::new;
  }
}
