package dev.emitron.core;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A pub/sub hub: publish JSON messages to topics and subscribe to them, with a replay buffer per topic
 * and gapless resume by message id.
 *
 * <pre>{@code
 * try (Emitron emitron = Emitron.create()) {
 *   emitron.subscribe("news", SubscribeOptions.replay(10), message -> System.out.println(message.data()));
 *   emitron.publish("news", Map.of("title", "hello")).toCompletableFuture().join();
 * }
 * }</pre>
 *
 * <p>Thread-safe. An instance owns its transport, its subscriptions and one scheduler thread for
 * heartbeats; {@link #close()} releases them all and is idempotent.
 */
public final class Emitron implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Emitron.class);

  private final Config config;
  private final ScheduledExecutorService scheduler;
  private final TopicHub hub;
  private final Heartbeats heartbeats;
  private final Transport transport;
  private final Metrics metrics;
  private final AtomicBoolean closed = new AtomicBoolean();

  private Emitron(Builder builder) {
    this.config = new Config(builder.replayMax, builder.heartbeat, builder.healthTimeout);
    ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, runnable -> {
      Thread thread = new Thread(runnable, "emitron-scheduler");
      thread.setDaemon(true);
      return thread;
    });
    executor.setRemoveOnCancelPolicy(true);
    this.scheduler = executor;
    this.hub = new TopicHub(scheduler);
    this.heartbeats = new Heartbeats(scheduler, config.heartbeat().toNanos());
    // MicrometerMetrics (and so Micrometer) is loaded only when a registry was given.
    this.metrics = builder.meterRegistry == null
        ? Metrics.NONE : MicrometerMetrics.create(builder.meterRegistry, hub, builder.maxTopicSeries);
    hub.metrics(metrics);
    this.transport = Objects.requireNonNull(
        builder.transport.create(new Transport.Settings(builder.replayMax), hub), "transport");
    hub.bind(transport);
  }

  /** Returns an instance with the in-memory transport and default settings. */
  public static Emitron create() {
    return builder().build();
  }

  /** Returns a builder with the defaults of the configuration table. */
  public static Builder builder() {
    return new Builder();
  }

  /** The settings this instance runs with. */
  public Config config() {
    return config;
  }

  /** The transport's name: {@code memory} or {@code redis}. */
  public String transportName() {
    return transport.name();
  }

  /**
   * Publishes {@code data}, written as JSON by Jackson, to {@code topic}.
   *
   * @throws IllegalArgumentException if the topic name is invalid or the data cannot be written as JSON
   */
  public CompletionStage<Published> publish(String topic, Object data) {
    Objects.requireNonNull(data, "data");
    JsonNode node = data instanceof JsonNode json ? json : JsonCodec.MAPPER.valueToTree(data);
    return publish(Topic.of(topic), null, node);
  }

  /**
   * Publishes a message and completes once it is stored in the replay buffer and handed to the live
   * feed. Fails with {@link EmitronException.Unavailable} when the transport cannot be reached; then
   * nothing was published.
   *
   * @param topic the topic
   * @param event an SSE event name (1 to 64 of {@code [A-Za-z0-9_.:-]}, not starting with
   *     {@code emitron.}), or {@code null} for the default {@code message} event
   * @param data the data, any JSON value
   * @throws IllegalArgumentException if the event name is invalid
   */
  public CompletionStage<Published> publish(Topic topic, /* @Nullable */ String event, JsonNode data) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(data, "data");
    if (event != null) {
      String problem = EventNames.problem(event, false);
      if (problem != null) {
        throw new IllegalArgumentException(problem);
      }
    }
    if (closed.get()) {
      return CompletableFuture.failedFuture(new EmitronException.Closed("emitron is shut down"));
    }
    String json = JsonCodec.write(data);
    long started = System.nanoTime();
    return transport.publish(topic, event, json)
        .whenComplete((receipt, failure) -> metrics.published(failure == null, System.nanoTime() - started))
        .thenApply(receipt -> new Published(topic, receipt.id(), receipt.receivers(), hub.subscribers(topic)));
  }

  /**
   * Subscribes to a topic. The returned subscription is open at once; the listener's
   * {@link SubscriptionListener#onStart} follows when the buffer has been read.
   *
   * @throws IllegalArgumentException if the topic name is invalid
   * @throws EmitronException.Closed if this instance is closed
   */
  public Subscription subscribe(String topic, SubscribeOptions options, SubscriptionListener listener) {
    return subscribe(Topic.of(topic), options, listener);
  }

  /** Subscribes to a topic; see {@link #subscribe(String, SubscribeOptions, SubscriptionListener)}. */
  public Subscription subscribe(Topic topic, SubscribeOptions options, SubscriptionListener listener) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(options, "options");
    Objects.requireNonNull(listener, "listener");
    if (closed.get()) {
      throw new EmitronException.Closed("emitron is shut down");
    }
    int maxHeld = Math.max(1024, config.replayMax() * 4);
    SubscriptionImpl subscription = new SubscriptionImpl(topic, listener, this, maxHeld);
    TopicHub.Channel channel = hub.join(subscription);
    int epoch = channel.epoch;
    channel.ready
        .thenCompose(ready -> read(topic, options))
        .whenComplete((joined, failure) -> {
          if (failure != null) {
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            subscription.close(CloseReason.UNAVAILABLE, cause);
            return;
          }
          try {
            subscription.start(joined.start, joined.messages);
          } catch (RuntimeException e) {
            // Not lost in the stage: a failure here would leave the subscriber waiting for nothing.
            log.error("Starting a subscription to topic '{}' failed; closing it", topic, e);
            subscription.close(CloseReason.LISTENER_FAILED, e);
            return;
          }
          if (channel.epoch != epoch && subscription.isOpen()) {
            channel.catchUp();
          }
        });
    return subscription;
  }

  private record Joined(StreamStart start, List<Message> messages) {
  }

  private CompletionStage<Joined> read(Topic topic, SubscribeOptions options) {
    String resume = options.resumeAfter();
    if (resume != null) {
      Optional<MessageId> after = MessageId.parse(resume);
      if (after.isEmpty()) {
        return transport.readLast(topic, config.replayMax()).thenApply(replay -> new Joined(
            new StreamStart(true, false, resume, replay.oldest(), replay.head(), replay.messages().size()),
            replay.messages()));
      }
      return transport.readAfter(topic, after.get()).thenApply(replay -> new Joined(
          new StreamStart(true, replay.complete(), resume, replay.oldest(), replay.head(),
              replay.messages().size()),
          replay.messages()));
    }
    int count = Math.min(options.replay(), config.replayMax());
    return transport.readLast(topic, count).thenApply(replay -> new Joined(
        new StreamStart(false, true, null, replay.oldest(), replay.head(), replay.messages().size()),
        replay.messages()));
  }

  /**
   * Removes every message from a topic's replay buffer. Ids keep increasing afterwards, so a client's
   * last event id never goes back.
   *
   * @return whether something was removed
   */
  public CompletionStage<Boolean> clearBuffer(String topic) {
    return clearBuffer(Topic.of(topic));
  }

  /** Removes every message from a topic's replay buffer; see {@link #clearBuffer(String)}. */
  public CompletionStage<Boolean> clearBuffer(Topic topic) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new EmitronException.Closed("emitron is shut down"));
    }
    return transport.clear(topic);
  }

  /** Checks the transport within the configured health timeout. Never fails. */
  public CompletionStage<Health> health() {
    if (closed.get()) {
      return CompletableFuture.completedFuture(new Health(false, transport.name()));
    }
    return transport.ping().toCompletableFuture()
        .completeOnTimeout(false, config.healthTimeout().toMillis(), TimeUnit.MILLISECONDS)
        .handle((up, failure) -> new Health(failure == null && Boolean.TRUE.equals(up), transport.name()));
  }

  /** The number of open subscriptions to {@code topic} on this instance. */
  public int localSubscribers(Topic topic) {
    return hub.subscribers(topic);
  }

  /** The number of open subscriptions on this instance. */
  public int openSubscriptions() {
    return hub.all().size();
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return closed.get();
  }

  /**
   * Closes every subscription with {@link CloseReason#SHUTDOWN}, then the transport and the scheduler.
   * Publishes in flight complete or fail; new ones fail with {@link EmitronException.Closed}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    for (SubscriptionImpl subscription : hub.all()) {
      subscription.close(CloseReason.SHUTDOWN, null);
    }
    try {
      transport.close();
    } catch (RuntimeException e) {
      log.warn("Transport failed to close", e);
    }
    scheduler.shutdownNow();
  }

  TopicHub hub() {
    return hub;
  }

  Heartbeats heartbeats() {
    return heartbeats;
  }

  Metrics metrics() {
    return metrics;
  }

  /**
   * The settings of an instance.
   *
   * @param replayMax messages kept per topic
   * @param heartbeat the heartbeat interval; zero when heartbeats are off
   * @param healthTimeout how long a health check waits for the transport
   */
  public record Config(int replayMax, Duration heartbeat, Duration healthTimeout) {
  }

  /** Builds an {@link Emitron}. Not thread-safe; each setter validates its argument. */
  public static final class Builder {

    /** Default of {@link #replayMax(int)}. */
    public static final int DEFAULT_REPLAY_MAX = 100;
    /** Default of {@link #heartbeat(Duration)}. */
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(15);
    /** Default of {@link #healthTimeout(Duration)}. */
    public static final Duration DEFAULT_HEALTH_TIMEOUT = Duration.ofSeconds(2);
    /** The largest replay buffer accepted. */
    public static final int MAX_REPLAY_MAX = 1_000_000;
    /** Default of {@link #maxTopicSeries(int)}. */
    public static final int DEFAULT_MAX_TOPIC_SERIES = 100;

    private int replayMax = DEFAULT_REPLAY_MAX;
    private Duration heartbeat = DEFAULT_HEARTBEAT;
    private Duration healthTimeout = DEFAULT_HEALTH_TIMEOUT;
    private Transport.Factory transport = Transports.memory();
    /** A Micrometer MeterRegistry, held as Object so that Micrometer is not loaded without one. */
    private /* @Nullable */ Object meterRegistry;
    private int maxTopicSeries = DEFAULT_MAX_TOPIC_SERIES;

    private Builder() {
    }

    /**
     * Messages kept per topic ({@code REPLAY_MAX}); default {@value #DEFAULT_REPLAY_MAX}.
     *
     * @throws IllegalArgumentException if negative or above {@value #MAX_REPLAY_MAX}
     */
    public Builder replayMax(int replayMax) {
      if (replayMax < 0 || replayMax > MAX_REPLAY_MAX) {
        throw new IllegalArgumentException("replayMax must be 0.." + MAX_REPLAY_MAX + ": " + replayMax);
      }
      this.replayMax = replayMax;
      return this;
    }

    /**
     * The heartbeat interval ({@code HEARTBEAT_MS}): an idle subscription gets
     * {@link SubscriptionListener#onHeartbeat()} this often; default 15 s, zero turns heartbeats off.
     *
     * @throws IllegalArgumentException if negative
     */
    public Builder heartbeat(Duration heartbeat) {
      if (heartbeat.isNegative()) {
        throw new IllegalArgumentException("heartbeat must not be negative: " + heartbeat);
      }
      this.heartbeat = heartbeat;
      return this;
    }

    /**
     * How long a health check waits for the transport; default 2 s.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder healthTimeout(Duration healthTimeout) {
      if (healthTimeout.isNegative() || healthTimeout.isZero()) {
        throw new IllegalArgumentException("healthTimeout must be positive: " + healthTimeout);
      }
      this.healthTimeout = healthTimeout;
      return this;
    }

    /** The transport; default {@link Transports#memory()}. */
    public Builder transport(Transport.Factory transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * Records emitron's metrics in a Micrometer registry (micrometer-core is an optional dependency: add
     * it to use this). Default: none, and then Micrometer is not loaded. The registry stays the caller's.
     * The meters are listed in the README ({@code emitron.streams.open}, {@code emitron.publish}, ...).
     *
     * @param registry an {@code io.micrometer.core.instrument.MeterRegistry}
     * @since 0.1.0
     */
    public Builder meterRegistry(io.micrometer.core.instrument.MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * The most topics that get their own series of the {@code emitron.topic.subscribers} gauge; the
     * subscribers of the others are summed in the series {@code topic="_other"}. Default
     * {@value #DEFAULT_MAX_TOPIC_SERIES}.
     *
     * @throws IllegalArgumentException if negative
     * @since 0.1.0
     */
    public Builder maxTopicSeries(int maxTopicSeries) {
      if (maxTopicSeries < 0) {
        throw new IllegalArgumentException("maxTopicSeries must not be negative: " + maxTopicSeries);
      }
      this.maxTopicSeries = maxTopicSeries;
      return this;
    }

    /** Creates the instance and starts its transport. */
    public Emitron build() {
      return new Emitron(this);
    }
  }
}
