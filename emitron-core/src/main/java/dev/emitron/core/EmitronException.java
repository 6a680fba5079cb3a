package dev.emitron.core;

/**
 * The one family of emitron's own failures. Caller mistakes are reported with
 * {@link IllegalArgumentException} and {@link IllegalStateException} instead.
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
