package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicTest {

  @ParameterizedTest
  @ValueSource(strings = {"news", "news/sports", "a:b", "*", "a?b", "{x}", " ", "café", "日本", "a//b", "...", ".a"})
  void acceptsNamesOfTheGrammar(String name) {
    assertThat(Topic.of(name).name()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "a\u0000b", "a\r\nb", "a\tb", "\u007f", "a\u0085b", ".", "..", "a/..", "./a", "a/./b"})
  void refusesNamesOutsideTheGrammar(String name) {
    assertThatThrownBy(() -> Topic.of(name)).isInstanceOf(IllegalArgumentException.class);
  }

  @org.junit.jupiter.api.Test
  void limitsTheNameTo256BytesOfUtf8() {
    assertThat(Topic.of("x".repeat(256)).name()).hasSize(256);
    assertThatThrownBy(() -> Topic.of("x".repeat(257))).hasMessageContaining("257 bytes");
    assertThatThrownBy(() -> Topic.of("é".repeat(129))).hasMessageContaining("258 bytes");
  }
}
