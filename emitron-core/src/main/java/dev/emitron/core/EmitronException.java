package dev.emitron.core;

/**
 * The one family of emitron's own failures. Caller mistakes are reported with
 * {@link IllegalArgumentException} and {@link IllegalStateException} instead.
 *
 * <p>Asynchronous operations report these by failing their {@link java.util.concurrent.CompletionStage}
 * (wrapped in a {@link java.util.concurrent.CompletionException} where the stage API does so); catch the
 * subclasses to tell an unreachable transport ({@link Unavailable}) from a shut-down instance
 * ({@link Closed}).
 */
public class EmitronException extends RuntimeException {

  /** Creates an exception. */
  public EmitronException(String message, /* @Nullable */ Throwable cause) {
    super(message, cause);
  }

  /** The transport cannot be reached; nothing was published or read. Maps to HTTP 503. */
  public static class Unavailable extends EmitronException {
    /** Creates an exception. */
    public Unavailable(String message, /* @Nullable */ Throwable cause) {
      super(message, cause);
    }
  }

  /** The instance is shutting down and accepts no new work. Maps to HTTP 503. */
  public static class Closed extends EmitronException {
    /** Creates an exception. */
    public Closed(String message) {
      super(message, null);
    }
  }
}
