package dev.emitron.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.DoubleStream;

/**
 * {@link Metrics} on a Micrometer {@link MeterRegistry}. Loaded only when a registry was given, so that
 * micrometer-core stays an optional dependency of emitron-core.
 *
 * <p>The per-topic gauge {@code emitron.topic.subscribers} has one series per topic with subscribers, up
 * to {@code maxTopicSeries}; the subscribers of the topics past that cap are summed in the series
 * {@code topic="_other"}, so that a client subscribing to many topics cannot grow the registry without
 * bound. A topic's series is removed when its last subscriber leaves.
 */
final class MicrometerMetrics implements Metrics {

  /** The buckets of the publish latency histogram: 0.5 ms to 5 s. */
  private static final Duration[] PUBLISH_BUCKETS = DoubleStream.of(0.5, 1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500,
      5000).mapToObj(ms -> Duration.ofNanos((long) (ms * 1_000_000))).toArray(Duration[]::new);

  /** The tag value of the series that sums the topics past the cap. */
  static final String OTHER_TOPICS = "_other";

  private final MeterRegistry registry;
  private final Source source;
  private final int maxTopicSeries;
  private final Counter published;
  private final Timer publishOk;
  private final Timer publishFailed;
  private final Counter delivered;
  private final Counter replayed;
  private final Counter gaps;
  private final Counter reconnects;
  private final Map<CloseReason, Counter> closed = new EnumMap<>(CloseReason.class);
  private final Map<Topic, Gauge> topicGauges = new HashMap<>(); // guarded by this

  private MicrometerMetrics(MeterRegistry registry, Source source, int maxTopicSeries) {
    this.registry = registry;
    this.source = source;
    this.maxTopicSeries = maxTopicSeries;
    Gauge.builder("emitron.streams.open", source, Source::openSubscriptions)
        .description("Open subscriptions (one per SSE stream)").register(registry);
    Gauge.builder("emitron.topics", source, Source::topics)
        .description("Topics with local subscribers").register(registry);
    Gauge.builder("emitron.topic.subscribers", this, MicrometerMetrics::otherSubscribers)
        .description("Local subscribers per topic; topics past the series cap are summed in topic=\"_other\"")
        .tags(Tags.of("topic", OTHER_TOPICS)).register(registry);
    this.published = Counter.builder("emitron.messages.published")
        .description("Messages published (acknowledged) through this instance").register(registry);
    this.publishOk = publishTimer(registry, "ok");
    this.publishFailed = publishTimer(registry, "error");
    this.delivered = Counter.builder("emitron.events.delivered")
        .description("Messages handed to subscribers (replayed and live), one per subscriber").register(registry);
    this.replayed = Counter.builder("emitron.events.replayed")
        .description("Stored messages replayed to subscribers at the start of their stream").register(registry);
    this.gaps = Counter.builder("emitron.gap.signals")
        .description("Streams that started with an emitron.gap event: a resume that could not be gapless")
        .register(registry);
    this.reconnects = Counter.builder("emitron.transport.reconnects")
        .description("Times the transport's connection (Redis) was lost and restored").register(registry);
    for (CloseReason reason : CloseReason.values()) {
      closed.put(reason, Counter.builder("emitron.streams.closed")
          .description("Subscriptions ended, by reason; slow_consumer counts slow subscribers disconnected")
          .tag("reason", reason.name().toLowerCase(Locale.ROOT)).register(registry));
    }
  }

  private static Timer publishTimer(MeterRegistry registry, String outcome) {
    return Timer.builder("emitron.publish")
        .description("Publish latency: until the message is stored and handed to the live feed")
        .tag("outcome", outcome)
        .serviceLevelObjectives(PUBLISH_BUCKETS)
        .register(registry);
  }

  /**
   * Binds to {@code registry}, given as {@code Object} so that callers need not load Micrometer's types.
   *
   * @throws IllegalArgumentException if it is not a {@code MeterRegistry}
   */
  static Metrics create(Object registry, Source source, int maxTopicSeries) {
    if (!(registry instanceof MeterRegistry meterRegistry)) {
      throw new IllegalArgumentException("not a Micrometer MeterRegistry: " + registry.getClass().getName());
    }
    return new MicrometerMetrics(meterRegistry, source, maxTopicSeries);
  }

  @Override
  public void published(boolean ok, long nanos) {
    if (ok) {
      published.increment();
      publishOk.record(nanos, TimeUnit.NANOSECONDS);
    } else {
      publishFailed.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void delivered() {
    delivered.increment();
  }

  @Override
  public void replayed() {
    replayed.increment();
  }

  @Override
  public void gapSignalled() {
    gaps.increment();
  }

  @Override
  public void closed(CloseReason reason) {
    closed.get(reason).increment();
  }

  @Override
  public void reconnected() {
    reconnects.increment();
  }

  @Override
  public synchronized void topicOpened(Topic topic) {
    if (topicGauges.size() >= maxTopicSeries || topicGauges.containsKey(topic)) {
      return;
    }
    topicGauges.put(topic, Gauge.builder("emitron.topic.subscribers", source, s -> s.subscribers(topic))
        .description("Local subscribers per topic; topics past the series cap are summed in topic=\"_other\"")
        .tag("topic", topic.name())
        .register(registry));
  }

  @Override
  public synchronized void topicClosed(Topic topic) {
    Gauge gauge = topicGauges.remove(topic);
    if (gauge != null) {
      registry.remove(gauge);
    }
  }

  /** Reads the source outside this object's lock: the hub calls in here under its own lock. */
  private double otherSubscribers() {
    List<Topic> tracked;
    synchronized (this) {
      tracked = new ArrayList<>(topicGauges.keySet());
    }
    int sum = 0;
    for (Topic topic : tracked) {
      sum += source.subscribers(topic);
    }
    return Math.max(0, source.openSubscriptions() - sum);
  }
}
