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
    assertThat(options.topologyRefreshPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(options.cluster()).isFalse();
  }

  @Test
  void clusterUrlNamesSeedNodesWithSharedCredentialsAndTls() {
    RedisOptions options = RedisOptions.create("redis-cluster://user:secret@10.0.0.1:7000,10.0.0.2:7001");
    assertThat(options.cluster()).isTrue();
    assertThat(options.clusterUris()).extracting(io.lettuce.core.RedisURI::getHost)
        .containsExactly("10.0.0.1", "10.0.0.2");
    assertThat(options.clusterUris()).extracting(io.lettuce.core.RedisURI::getPort).containsExactly(7000, 7001);
    assertThat(options.clusterUris()).allSatisfy(uri -> {
      assertThat(uri.getUsername()).isEqualTo("user");
      assertThat(new String(uri.getPassword())).isEqualTo("secret");
      assertThat(uri.isSsl()).isFalse();
    });
    assertThat(options.toString()).doesNotContain("secret");
    RedisOptions tls = RedisOptions.create("rediss-cluster://:secret@redis.internal:6380");
    assertThat(tls.clusterUris()).singleElement().satisfies(uri -> assertThat(uri.isSsl()).isTrue());
    assertThat(RedisOptions.create("redis-cluster://h:7000/0").clusterUris()).hasSize(1);
  }

  @Test
  void badClusterUrlIsRejectedNamingTheValue() {
    for (String bad : new String[] {"redis-cluster://", "redis-cluster://h:1,,h:2", "redis-cluster://h:99999",
        "redis-cluster://h:7000/3"}) {
      assertThatThrownBy(() -> RedisOptions.create(bad))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'");
    }
    assertThatThrownBy(() -> RedisOptions.builder().topologyRefreshPeriod(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
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
