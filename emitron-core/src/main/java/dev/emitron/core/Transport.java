package dev.emitron.core;

import java.util.concurrent.CompletionStage;

/**
 * The service provider interface of a transport: where messages get their ids, where the replay buffer
 * lives and how live messages reach this instance. Applications do not call it; they configure one with
 * {@link Emitron.Builder#transport(Factory)}. A new transport proves itself by passing the contract test
 * kit that the in-memory and Redis transports pass.
 *
 * <p>The contract (the delivery guarantees rest on it):
 * <ul>
 *   <li>{@link #publish} is one atomic step: assign an id greater than every id the topic had, append
 *       to the topic's buffer trimmed to {@link Settings#replayMax()}, and hand the message to the live
 *       feed of every instance. The stage completes only after all of that.</li>
 *   <li>The live feed delivers each topic's messages to {@link Listener#onMessage} in id order, one at a
 *       time per topic, on the transport's own thread. Such a callback never blocks.</li>
 *   <li>A topic's live feed is active once the stage of {@link #subscribe} completes; messages published
 *       after that are delivered. After the feed was interrupted and restored, the transport calls
 *       {@link Listener#onRestored} so that emitron fills the gap from the buffer.</li>
 *   <li>Reads ({@link #readLast}, {@link #readAfter}) are atomic snapshots of the buffer.</li>
 *   <li>Every stage fails with {@link EmitronException.Unavailable} when the backing service cannot be
 *       reached, within a bounded time.</li>
 * </ul>
 *
 * <p>The transport is created and closed by {@link Emitron}; it must be thread-safe.
 */
public interface Transport extends AutoCloseable {

  /** The short name reported by health checks: {@code memory}, {@code redis}. */
  String name();

  /**
   * Publishes a message.
   *
   * @param topic the topic
   * @param event the SSE event name, or {@code null}
   * @param data the data as compact JSON text
   * @return the id assigned and the number of instances that received it live
   */
  CompletionStage<Receipt> publish(Topic topic, /* @Nullable */ String event, String data);

  /** Starts the live feed of a topic on this instance; idempotent per topic. */
  CompletionStage<Void> subscribe(Topic topic);

  /** Stops the live feed of a topic on this instance. */
  void unsubscribe(Topic topic);

  /** Reads the newest {@code count} messages of the buffer, oldest first, and the topic's head. */
  CompletionStage<Replay> readLast(Topic topic, int count);

  /**
   * Reads the messages after {@code after}, oldest first. The replay is {@linkplain Replay#complete()
   * complete} when every message ever published after {@code after} is still in the buffer; otherwise it
   * holds the whole buffer.
   */
  CompletionStage<Replay> readAfter(Topic topic, MessageId after);

  /**
   * Removes every message from the topic's buffer. Ids keep increasing afterwards.
   *
   * @return whether something was removed
   */
  CompletionStage<Boolean> clear(Topic topic);

  /** Checks that the backing service answers; completes with {@code true} when it does. */
  CompletionStage<Boolean> ping();

  /** Releases every resource; idempotent. */
  @Override
  void close();

  /**
   * The outcome of a publish.
   *
   * @param id the id assigned
   * @param receivers how many instances received the message live, or -1 where the transport has no
   *     such notion (the in-memory transport)
   */
  record Receipt(MessageId id, long receivers) {
  }

  /** Creates a transport; {@link Emitron} calls it once, at build time. */
  @FunctionalInterface
  interface Factory {
    /**
     * Creates and starts a transport.
     *
     * @param settings the settings every transport honours
     * @param listener where the live feed goes
     */
    Transport create(Settings settings, Listener listener);
  }

  /**
   * Settings every transport honours.
   *
   * @param replayMax the number of messages each topic's buffer keeps
   */
  record Settings(int replayMax) {
    /** Validates the settings. */
    public Settings {
      if (replayMax < 0) {
        throw new IllegalArgumentException("replayMax must not be negative: " + replayMax);
      }
    }
  }

  /** Receives the live feed; called by the transport, never blocking it. */
  interface Listener {
    /** A message published on any instance, in id order per topic. */
    void onMessage(Message message);

    /**
     * The live feed of {@code topic} was interrupted and is active again; messages published meanwhile
     * may have been missed and must be read from the buffer.
     */
    void onRestored(Topic topic);

    /**
     * The connection to the backing service was lost and is back; counted by metrics. Each topic's
     * feed is still reported by {@link #onRestored}. The default does nothing.
     *
     * @since 0.1.0
     */
    default void onReconnected() {
    }
  }
}
