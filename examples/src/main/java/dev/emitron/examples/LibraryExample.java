package dev.emitron.examples;

import dev.emitron.core.Emitron;
import dev.emitron.core.Message;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Subscription;
import java.io.PrintStream;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * emitron as a library inside a Java program: publish and subscribe from Java code, no HTTP.
 *
 * <p>Run it with {@code ./mvnw -q -pl examples -am test-compile exec:java}.
 */
public final class LibraryExample {

  private LibraryExample() {
  }

  public static void main(String[] args) throws InterruptedException {
    run(System.out);
  }

  /** Publishes three messages to a topic and prints what a subscriber receives. */
  static void run(PrintStream out) throws InterruptedException {
    try (Emitron emitron = Emitron.create()) {
      emitron.publish("orders", Map.of("order", 1, "status", "placed")).toCompletableFuture().join();

      CountDownLatch received = new CountDownLatch(3);
      Subscription subscription = emitron.subscribe("orders", SubscribeOptions.replay(10), (Message message) -> {
        out.println("received " + message.id() + " " + message.data());
        received.countDown();
      });

      emitron.publish("orders", Map.of("order", 2, "status", "placed")).toCompletableFuture().join();
      emitron.publish("orders", Map.of("order", 1, "status", "shipped")).toCompletableFuture().join();

      if (!received.await(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the subscriber did not receive three messages");
      }
      subscription.close();
    }
  }
}
