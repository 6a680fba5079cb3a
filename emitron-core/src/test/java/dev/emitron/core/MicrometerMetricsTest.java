package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meters move where things happen: publish, delivery, replay, gap signal, close, topic series. */
class MicrometerMetricsTest {

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final Emitron emitron = Emitron.builder().meterRegistry(registry).maxTopicSeries(2)
      .heartbeat(Duration.ZERO).build();
  private final List<Subscription> subscriptions = new ArrayList<>();

  @AfterEach
  void close() {
    emitron.close();
  }

  private double count(String name) {
    return registry.get(name).counter().count();
  }

  private RecordingListener subscribe(String topic, SubscribeOptions options) {
    RecordingListener listener = new RecordingListener();
    subscriptions.add(emitron.subscribe(topic, options, listener));
    listener.awaitStart();
    return listener;
  }

  @Test
  void publishDeliveryAndReplayAreCounted() {
    emitron.publish("news", "one").toCompletableFuture().join();
    RecordingListener first = subscribe("news", SubscribeOptions.replay(10));
    RecordingListener second = subscribe("news", SubscribeOptions.live());
    first.take();
    emitron.publish("news", "two").toCompletableFuture().join();
    first.take();
    second.take();

    assertThat(count("emitron.messages.published")).isEqualTo(2);
    assertThat(registry.get("emitron.publish").tag("outcome", "ok").timer().count()).isEqualTo(2);
    assertThat(count("emitron.events.replayed")).isEqualTo(1);
    assertThat(count("emitron.events.delivered")).isEqualTo(3);
    assertThat(registry.get("emitron.streams.open").gauge().value()).isEqualTo(2);
  }

  @Test
  void aResumeThatCannotBeGaplessIsCountedAsAGapSignal() {
    subscribe("news", SubscribeOptions.resumeAfter("not-an-id")).awaitStart();
    assertThat(count("emitron.gap.signals")).isEqualTo(1);
  }

  @Test
  void closesAreCountedByReasonIncludingSlowConsumers() {
    RecordingListener listener = subscribe("news", SubscribeOptions.live());
    subscriptions.get(0).close(CloseReason.SLOW_CONSUMER);
    listener.awaitClose();
    assertThat(registry.get("emitron.streams.closed").tag("reason", "slow_consumer").counter().count())
        .isEqualTo(1);
    assertThat(registry.get("emitron.streams.closed").tag("reason", "closed").counter().count()).isZero();
  }

  @Test
  void topicSeriesAreCappedAndRemovedWithTheirLastSubscriber() {
    subscribe("a", SubscribeOptions.live());
    subscribe("b", SubscribeOptions.live());
    subscribe("c", SubscribeOptions.live());
    subscribe("c", SubscribeOptions.live());

    assertThat(registry.find("emitron.topic.subscribers").gauges()).hasSize(3);
    assertThat(registry.get("emitron.topic.subscribers").tag("topic", "a").gauge().value()).isEqualTo(1);
    assertThat(registry.get("emitron.topic.subscribers").tag("topic", "_other").gauge().value()).isEqualTo(2);
    assertThat(registry.get("emitron.topics").gauge().value()).isEqualTo(3);

    subscriptions.get(0).close();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> registry.find("emitron.topic.subscribers").tag("topic", "a").gauge() == null);
  }

  @Test
  void reconnectsOfTheTransportAreCounted() {
    emitron.hub().onReconnected();
    assertThat(count("emitron.transport.reconnects")).isEqualTo(1);
  }
}
