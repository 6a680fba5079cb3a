package dev.emitron.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LibraryExampleTest {

  @Test
  void theSubscriberReceivesTheReplayedAndTheLiveMessagesInOrder() throws Exception {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    LibraryExample.run(new PrintStream(output, true, StandardCharsets.UTF_8));

    String[] lines = output.toString(StandardCharsets.UTF_8).strip().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[0]).matches("received \\d+-\\d+ \\{.*\"order\":1.*\\}").contains("placed");
    assertThat(lines[1]).contains("\"order\":2").contains("placed");
    assertThat(lines[2]).contains("\"order\":1").contains("shipped");
  }
}
