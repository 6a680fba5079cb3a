package dev.emitron.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-memory transport. Each topic's buffer is guarded by its own lock, under which a publish assigns
 * the id, appends, trims and hands the message to the live feed: one atomic step, as the contract asks.
 */
final class MemoryTransport implements Transport {

  private final int replayMax;
  private final Listener listener;
  private final ConcurrentHashMap<Topic, Buffer> buffers = new ConcurrentHashMap<>();
  private final Set<Topic> live = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  MemoryTransport(Settings settings, Listener listener) {
    this.replayMax = settings.replayMax();
    this.listener = listener;
  }

  private static final class Buffer {
    final ArrayDeque<Message> messages = new ArrayDeque<>();
    MessageId head = MessageId.ZERO;
    /** The newest id ever removed by a trim or a clear; everything after it is still held. */
    MessageId maxDeleted = MessageId.ZERO;

    boolean holds(MessageId id) {
      for (Message m : messages) {
        int c = m.id().compareTo(id);
        if (c >= 0) {
          return c == 0;
        }
      }
      return false;
    }

    /* @Nullable */ MessageId oldest() {
      Message first = messages.peekFirst();
      return first == null ? null : first.id();
    }
  }

  @Override
  public String name() {
    return "memory";
  }

  @Override
  public CompletionStage<Receipt> publish(Topic topic, String event, String data) {
    if (closed) {
      return CompletableFuture.failedFuture(new EmitronException.Closed("transport is closed"));
    }
    Buffer buffer = buffers.computeIfAbsent(topic, t -> new Buffer());
    synchronized (buffer) {
      MessageId id = MessageId.next(buffer.head, System.currentTimeMillis());
      Message message = new Message(topic, id, event, data);
      buffer.head = id;
      buffer.messages.addLast(message);
      while (buffer.messages.size() > replayMax) {
        buffer.maxDeleted = buffer.messages.removeFirst().id();
      }
      if (live.contains(topic)) {
        listener.onMessage(message);
      }
      return CompletableFuture.completedFuture(new Receipt(id, -1));
    }
  }

  @Override
  public CompletionStage<Void> subscribe(Topic topic) {
    live.add(topic);
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void unsubscribe(Topic topic) {
    live.remove(topic);
  }

  @Override
  public CompletionStage<Replay> readLast(Topic topic, int count) {
    Buffer buffer = buffers.get(topic);
    if (buffer == null) {
      return CompletableFuture.completedFuture(new Replay(List.of(), MessageId.ZERO, null, true));
    }
    synchronized (buffer) {
      int skip = Math.max(0, buffer.messages.size() - count);
      List<Message> newest = new ArrayList<>(Math.min(count, buffer.messages.size()));
      for (Message m : buffer.messages) {
        if (skip-- <= 0) {
          newest.add(m);
        }
      }
      return CompletableFuture.completedFuture(new Replay(newest, buffer.head, buffer.oldest(), true));
    }
  }

  @Override
  public CompletionStage<Replay> readAfter(Topic topic, MessageId after) {
    Buffer buffer = buffers.get(topic);
    if (buffer == null) {
      boolean complete = after.equals(MessageId.ZERO);
      return CompletableFuture.completedFuture(new Replay(List.of(), MessageId.ZERO, null, complete));
    }
    synchronized (buffer) {
      boolean complete = after.equals(buffer.head) || after.equals(buffer.maxDeleted) || buffer.holds(after);
      List<Message> messages = new ArrayList<>();
      for (Message m : buffer.messages) {
        if (!complete || m.id().isAfter(after)) {
          messages.add(m);
        }
      }
      return CompletableFuture.completedFuture(new Replay(messages, buffer.head, buffer.oldest(), complete));
    }
  }

  @Override
  public CompletionStage<Boolean> clear(Topic topic) {
    Buffer buffer = buffers.get(topic);
    if (buffer == null) {
      return CompletableFuture.completedFuture(false);
    }
    synchronized (buffer) {
      boolean removed = !buffer.messages.isEmpty();
      if (removed) {
        buffer.maxDeleted = buffer.messages.peekLast().id();
        buffer.messages.clear();
      }
      return CompletableFuture.completedFuture(removed);
    }
  }

  @Override
  public CompletionStage<Boolean> ping() {
    return CompletableFuture.completedFuture(!closed);
  }

  @Override
  public void close() {
    closed = true;
    live.clear();
  }
}
