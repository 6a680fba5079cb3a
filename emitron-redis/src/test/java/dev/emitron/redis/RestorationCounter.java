package dev.emitron.redis;

import dev.emitron.core.Message;
import dev.emitron.core.Topic;
import dev.emitron.core.Transport;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts, per topic, how often a transport reported its live feed restored (the cue for a gap fill). */
final class RestorationCounter {

  private final Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();

  /** Wraps {@code factory} so that the transports it creates report their restorations here too. */
  Transport.Factory wrap(Transport.Factory factory) {
    return (settings, listener) -> factory.create(settings, new Transport.Listener() {
      @Override
      public void onMessage(Message message) {
        listener.onMessage(message);
      }

      @Override
      public void onRestored(Topic topic) {
        counts.computeIfAbsent(topic.name(), t -> new AtomicInteger()).incrementAndGet();
        listener.onRestored(topic);
      }
    });
  }

  /** The restorations of {@code topic}, or {@code null} if there was none. */
  AtomicInteger get(String topic) {
    return counts.get(topic);
  }

  /** The restorations of every topic. */
  int total() {
    return counts.values().stream().mapToInt(AtomicInteger::get).sum();
  }
}
