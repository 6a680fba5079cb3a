package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.emitron.core.Emitron;
import dev.emitron.core.EmitronException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisTransportTest {

  @Test
  void buildingFailsFastWithUnavailableWhenNothingListens() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    RedisOptions options = RedisOptions.builder()
        .uri("redis://:secret@127.0.0.1:" + port)
        .commandTimeout(Duration.ofSeconds(1))
        .build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> Emitron.builder().transport(RedisTransport.factory(options)).build())
        .isInstanceOf(EmitronException.Unavailable.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageNotContaining("secret");
    // Fails rather than hangs or retries forever; the bound is loose because a loaded machine is slow to
    // start Lettuce's event loops, and speed is not what this checks.
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
  }

  @Test
  void buildingFailsFastWithUnavailableWhenNoClusterNodeListens() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    RedisOptions options = RedisOptions.builder()
        .uri("redis-cluster://:secret@127.0.0.1:" + port + ",127.0.0.1:" + port)
        .commandTimeout(Duration.ofSeconds(1))
        .build();
    long start = System.nanoTime();
    assertThatThrownBy(() -> Emitron.builder().transport(RedisTransport.factory(options)).build())
        .isInstanceOf(EmitronException.Unavailable.class)
        .hasMessageContaining("127.0.0.1:" + port)
        .hasMessageNotContaining("secret");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
  }

  @Test
  void theClusterPublishScriptUsesShardedPublishOnly() {
    assertThat(Scripts.SHARDED_PUBLISH).contains("redis.call('SPUBLISH',").doesNotContain("redis.call('PUBLISH',");
    assertThat(Scripts.SHARDED_PUBLISH.replace("SPUBLISH", "PUBLISH")).isEqualTo(Scripts.PUBLISH);
  }

  @Test
  void factoryRejectsABadUrl() {
    assertThatThrownBy(() -> RedisTransport.factory("localhost"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'localhost'");
  }
}
