package dev.emitron.redis;

import dev.emitron.core.EmitronException;
import dev.emitron.core.Topic;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns Lettuce's failures into emitron's. */
final class Errors {

  private Errors() {
  }

  /** Every failure to reach Redis or to run a command there is "unavailable": nothing was done. */
  static EmitronException unavailable(String action, Topic topic, Throwable failure) {
    Throwable cause = unwrap(failure);
    if (cause instanceof EmitronException emitron) {
      return emitron;
    }
    return new EmitronException.Unavailable(
        "Redis could not " + action + " topic '" + topic + "': " + cause.getMessage(), cause);
  }

  static Throwable unwrap(Throwable failure) {
    Throwable cause = failure;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
  }
}
