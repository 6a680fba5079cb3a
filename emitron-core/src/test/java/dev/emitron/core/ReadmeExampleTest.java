package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's library example, line for line, so that it keeps compiling and printing what it says. */
class ReadmeExampleTest {

  @Test
  @Timeout(10)
  void readmeLibraryExamplePrintsTheIdAndTheData() throws Exception {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(printed, true, StandardCharsets.UTF_8);
    PrintStream system = System.out;
    System.setOut(out);
    try {
      // --- from README.md, "As a Java library" ---
      try (Emitron emitron = Emitron.create()) {                  // in-memory transport, default settings
        BlockingQueue<Message> inbox = new LinkedBlockingQueue<>();
        emitron.subscribe("news", SubscribeOptions.replay(10), inbox::add);
        emitron.publish("news", Map.of("title", "hello")).toCompletableFuture().join();
        Message message = inbox.take();
        System.out.println(message.id() + " " + message.data());   // 1796304326744-0 {"title":"hello"}
      }
      // ---
    } finally {
      System.setOut(system);
    }
    assertThat(printed.toString(StandardCharsets.UTF_8)).matches("\\d+-\\d+ \\{\"title\":\"hello\"\\}\\R");
  }
}
