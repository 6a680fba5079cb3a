package dev.emitron.benchmarks;

import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.SseEncoder;
import dev.emitron.core.Topic;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Encoding one SSE frame: {@link SseEncoder#event} directly, and {@link Message#frame()} of a new message
 * (what the publish path pays once per message, whatever the number of subscribers).
 *
 * <p>{@code data} is one line of JSON of about {@code size} bytes, the shape of every emitron message
 * ({@code multiline} adds line breaks, which only a string the caller built by hand can hold).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class SseEncoderBenchmark {

  @Param({"100", "4096"})
  int size;

  @Param({"false", "true"})
  boolean multiline;

  private final Topic topic = Topic.of("bench");
  private final MessageId id = new MessageId(1_796_304_326_744L, 7);
  private String idText;
  private String data;

  @Setup
  public void setUp() {
    idText = id.toString();
    StringBuilder json = new StringBuilder("{\"seq\":1,\"p\":\"");
    int line = 0;
    while (json.length() < size - 2) {
      if (multiline && ++line % 40 == 0) {
        json.append('\n');
      } else {
        json.append((char) ('a' + json.length() % 26));
      }
    }
    data = json.append("\"}").toString();
  }

  @Benchmark
  public byte[] encoderEvent() {
    return SseEncoder.event(idText, null, data);
  }

  @Benchmark
  public byte[] messageFrame() {
    return new Message(topic, id, null, data).frame();
  }
}
