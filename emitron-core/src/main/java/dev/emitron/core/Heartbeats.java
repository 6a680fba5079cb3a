package dev.emitron.core;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends heartbeats to live subscriptions that were idle for the heartbeat interval. One task sweeps them
 * all four times per interval, instead of a timer per subscription: tens of thousands of idle streams
 * then cost one wake-up every few seconds and no per-stream timer.
 */
final class Heartbeats {

  private static final Logger log = LoggerFactory.getLogger(Heartbeats.class);

  private final Set<SubscriptionImpl> live = ConcurrentHashMap.newKeySet();
  private final long intervalNanos;

  Heartbeats(ScheduledExecutorService scheduler, long intervalNanos) {
    this.intervalNanos = intervalNanos;
    if (intervalNanos > 0) {
      long period = Math.max(1, intervalNanos / 4);
      scheduler.scheduleAtFixedRate(this::sweep, period, period, TimeUnit.NANOSECONDS);
    }
  }

  void add(SubscriptionImpl subscription) {
    if (intervalNanos > 0) {
      live.add(subscription);
    }
  }

  void remove(SubscriptionImpl subscription) {
    live.remove(subscription);
  }

  private void sweep() {
    long now = System.nanoTime();
    for (SubscriptionImpl subscription : live) {
      try {
        subscription.beatIfIdle(now, intervalNanos);
      } catch (RuntimeException e) {
        // A periodic task that throws is never run again: one stream must not end every heartbeat.
        log.error("Sending a heartbeat to {} failed", subscription, e);
      }
    }
  }
}
