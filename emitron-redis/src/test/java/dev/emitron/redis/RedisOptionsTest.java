package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisOptionsTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    RedisOptions options = RedisOptions.builder().build();
    assertThat(options.uri()).isEqualTo("redis://localhost:6379");
    assertThat(options.channelPrefix()).isEqualTo("emitron");
    assertThat(options.commandTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(options.reconnectDelay()).isEqualTo(Duration.ofSeconds(1));
    assertThat(options.requestQueueSize()).isEqualTo(RedisOptions.DEFAULT_REQUEST_QUEUE_SIZE);
  }

  @Test
  void acceptsRedisAndRedissUrlsWithPasswordAndDatabase() {
    assertThat(RedisOptions.create("redis://:secret@redis.internal:6380/3").redisUri().getDatabase()).isEqualTo(3);
    assertThat(RedisOptions.create("rediss://user:secret@redis.internal").redisUri().isSsl()).isTrue();
  }

  @Test
  void badUrlIsRejectedNamingTheValue() {
    for (String bad : new String[] {"", "localhost:6379", "http://x", "redis://", "redis://h:99999", "redis://h/x"}) {
      assertThatThrownBy(() -> RedisOptions.create(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
  }

  @Test
  void badUrlMessageMasksThePassword() {
    assertThatThrownBy(() -> RedisOptions.create("redis://user:hunter2@h:99999"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("redis://user:***@h:99999")
        .hasMessageNotContaining("hunter2");
    assertThat(RedisOptions.create("redis://:hunter2@h").toString()).doesNotContain("hunter2");
  }

  @Test
  void channelPrefixWithBracesOrControlCharactersIsRejected() {
    for (String bad : new String[] {"", "a{b", "a}b", "a\nb", "x".repeat(129)}) {
      assertThatThrownBy(() -> RedisOptions.builder().channelPrefix(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("channel prefix");
    }
    assertThat(RedisOptions.builder().channelPrefix("emitron:prod/eu").build().channelPrefix())
        .isEqualTo("emitron:prod/eu");
  }

  @Test
  void nonPositiveDurationsAndQueueSizesAreRejected() {
    assertThatThrownBy(() -> RedisOptions.builder().commandTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> RedisOptions.builder().reconnectDelay(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    assertThatThrownBy(() -> RedisOptions.builder().requestQueueSize(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
  }
}
