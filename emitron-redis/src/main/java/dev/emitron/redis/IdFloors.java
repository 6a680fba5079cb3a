package dev.emitron.redis;

import dev.emitron.core.MessageId;
import dev.emitron.core.Topic;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The newest id this instance has seen per topic (published or received live), for the most recently
 * used {@value #CAPACITY} topics. When a stream is lost (FLUSHALL, Redis restarted empty) the publish
 * script continues after it if Redis's clock has not passed it yet, so ids never go back for the
 * subscribers of this instance. Thread-safe.
 */
final class IdFloors {

  static final int CAPACITY = 4096;

  private final Map<Topic, MessageId> floors = new LinkedHashMap<>(64, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Topic, MessageId> eldest) {
      return size() > CAPACITY;
    }
  };

  synchronized void record(Topic topic, MessageId id) {
    MessageId known = floors.get(topic);
    if (known == null || id.isAfter(known)) {
      floors.put(topic, id);
    }
  }

  synchronized /* @Nullable */ MessageId floor(Topic topic) {
    return floors.get(topic);
  }
}
