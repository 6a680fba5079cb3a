package dev.emitron.servlet;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The open SSE connections of one servlet, so that they can be ended at shutdown. */
final class ConnectionRegistry {

  private final Set<SseConnection> open = ConcurrentHashMap.newKeySet();

  void add(SseConnection connection) {
    open.add(connection);
  }

  void remove(SseConnection connection) {
    open.remove(connection);
  }

  int size() {
    return open.size();
  }

  void endAll() {
    for (SseConnection connection : open) {
      connection.end();
    }
  }
}
