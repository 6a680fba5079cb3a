package dev.emitron.core;

/**
 * What emitron counts, at the points where things happen. The default counts nothing; with a Micrometer
 * {@code MeterRegistry} given to {@link Emitron.Builder#meterRegistry}, {@link MicrometerMetrics} does.
 * Implementations are thread-safe and never block: they are called on transport and subscriber threads,
 * some under emitron's locks.
 */
interface Metrics {

  /** Counts nothing; Micrometer is never loaded. */
  Metrics NONE = new Metrics() {
  };

  /** A publish completed (stored and handed to the live feed) or failed, after {@code nanos}. */
  default void published(boolean ok, long nanos) {
  }

  /** One message was handed to one subscriber. */
  default void delivered() {
  }

  /** One stored message was replayed to a subscriber at the start of its stream. */
  default void replayed() {
  }

  /** A stream started with a gap signal: the resume it asked for could not be gapless. */
  default void gapSignalled() {
  }

  /** A subscription ended. */
  default void closed(CloseReason reason) {
  }

  /** The transport's connection was lost and is back. */
  default void reconnected() {
  }

  /** A topic got its first local subscriber. Called under the hub's lock. */
  default void topicOpened(Topic topic) {
  }

  /** A topic lost its last local subscriber. Called under the hub's lock. */
  default void topicClosed(Topic topic) {
  }

  /** What the gauges read. */
  interface Source {
    /** Open subscriptions on this instance. */
    int openSubscriptions();

    /** Local subscribers of a topic. */
    int subscribers(Topic topic);

    /** Topics with local subscribers. */
    int topics();
  }
}
