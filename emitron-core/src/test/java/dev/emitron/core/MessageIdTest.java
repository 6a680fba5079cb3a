package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MessageIdTest {

  @Test
  void parsesAndPrintsTheStreamIdForm() {
    MessageId id = MessageId.parse("1700000000000-42").orElseThrow();
    assertThat(id.millis()).isEqualTo(1700000000000L);
    assertThat(id.sequence()).isEqualTo(42);
    assertThat(id.toString()).isEqualTo("1700000000000-42");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-", "1-", "-1", "1", "a-1", "1-a", "1--1", "1-1-1", " 1-1", "1-1 ", "+1-1",
      "99999999999999999999-0", "0-99999999999999999999", "9223372036854775808-0", "１-1"})
  void rejectsAnythingThatIsNotAnId(String text) {
    assertThat(MessageId.parse(text)).isEmpty();
  }

  @Test
  void ordersByMillisThenSequence() {
    assertThat(MessageId.parse("2-0").orElseThrow()).isGreaterThan(MessageId.parse("1-99").orElseThrow());
    assertThat(MessageId.parse("1-10").orElseThrow()).isGreaterThan(MessageId.parse("1-9").orElseThrow());
    assertThat(MessageId.ZERO.isAfter(MessageId.ZERO)).isFalse();
  }

  @Test
  void nextIsAlwaysGreaterEvenWhenTheClockGoesBack() {
    MessageId last = new MessageId(1000, 5);
    assertThat(MessageId.next(last, 2000)).isEqualTo(new MessageId(2000, 0));
    assertThat(MessageId.next(last, 1000)).isEqualTo(new MessageId(1000, 6));
    assertThat(MessageId.next(last, 10)).isEqualTo(new MessageId(1000, 6));
  }
}
