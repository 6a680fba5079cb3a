package dev.emitron.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emitron.core.Emitron;
import dev.emitron.core.Topic;
import dev.emitron.redis.RedisTransport;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One publish through the Redis transport (the script that stores the message and publishes it), waited
 * for, with no subscriber: the round trip a {@code POST /pub} pays with {@code REDIS_URL} set.
 *
 * <p>Needs Redis at {@value #REDIS_URI}. {@link Benchmarks#main} leaves this benchmark out when nothing
 * answers there; run through {@code org.openjdk.jmh.Main} instead, it fails in its setup. The topic is
 * {@code emitron-bench-<random>}, its buffer cleared at the end.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class RedisPublishBenchmark {

  static final String REDIS_URI = "redis://127.0.0.1:6379";

  private Emitron emitron;
  private Topic topic;
  private JsonNode data;

  @Setup(Level.Trial)
  public void setUp() {
    emitron = Emitron.builder()
        .heartbeat(Duration.ZERO)
        .transport(RedisTransport.factory(REDIS_URI))
        .build();
    topic = Topic.of("emitron-bench-" + Long.toHexString(System.nanoTime()));
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("seq", 1);
    node.put("p", "x".repeat(80));
    data = node;
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    try {
      emitron.clearBuffer(topic).toCompletableFuture().join();
    } finally {
      emitron.close();
    }
  }

  @Benchmark
  public Object publish() {
    return emitron.publish(topic, null, data).toCompletableFuture().join();
  }
}
