package dev.emitron.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.emitron.core.Emitron;
import dev.emitron.core.Message;
import dev.emitron.core.StreamStart;
import dev.emitron.core.SubscribeOptions;
import dev.emitron.core.Subscription;
import dev.emitron.core.SubscriptionListener;
import dev.emitron.core.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * In-memory fan-out: one publish to a topic with {@code subscribers} live subscriptions, measured until
 * every subscriber's listener has been called. The listeners only count, so the figure is emitron's own
 * cost (JSON writing, id assignment, the replay buffer, handing the message to each subscription) without
 * any network write.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class FanOutBenchmark {

  @Param({"1", "100", "1000"})
  int subscribers;

  private final LongAdder delivered = new LongAdder();
  private final List<Subscription> subscriptions = new ArrayList<>();
  private Emitron emitron;
  private Topic topic;
  private JsonNode data;
  private long expected;

  @Setup(Level.Trial)
  public void setUp() throws InterruptedException {
    emitron = Emitron.builder().heartbeat(Duration.ZERO).build();
    topic = Topic.of("fan-out");
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    node.put("seq", 1);
    node.put("p", "x".repeat(80));
    data = node;
    CountDownLatch started = new CountDownLatch(subscribers);
    for (int i = 0; i < subscribers; i++) {
      subscriptions.add(emitron.subscribe(topic, SubscribeOptions.live(), new SubscriptionListener() {
        @Override
        public void onStart(StreamStart start) {
          started.countDown();
        }

        @Override
        public void onMessage(Message message) {
          delivered.increment();
        }
      }));
    }
    if (!started.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("subscriptions did not start within 30 s");
    }
    expected = delivered.sum();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    subscriptions.forEach(Subscription::close);
    emitron.close();
  }

  /** Publishes one message and waits until every listener has it (delivery may be asynchronous). */
  @Benchmark
  public long publishToAll() {
    emitron.publish(topic, null, data).toCompletableFuture().join();
    expected += subscribers;
    long sum;
    long spins = 0;
    while ((sum = delivered.sum()) < expected) {
      Thread.onSpinWait();
      // A closed subscription would never count its message: fail instead of spinning for ever.
      if ((++spins & 0xFFFF) == 0 && subscriptions.stream().anyMatch(s -> !s.isOpen())) {
        throw new IllegalStateException("a subscription closed during the benchmark");
      }
    }
    return sum;
  }
}
