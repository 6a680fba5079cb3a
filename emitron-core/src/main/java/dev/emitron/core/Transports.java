package dev.emitron.core;

/**
 * Factories of the transports that ship with the core; the Redis transport is in {@code emitron-redis}.
 *
 * <pre>{@code
 * Emitron emitron = Emitron.builder().transport(Transports.memory()).build();
 * }</pre>
 *
 * <p>A factory is stateless and may build any number of instances; each {@link Emitron} creates its own
 * transport from it and closes it.
 */
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
