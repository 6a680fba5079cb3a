package dev.emitron.servlet;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The threads that write queued frames to the SSE responses of one servlet, and the backpressure that
 * keeps publishers from outrunning them.
 *
 * <p>A publish only queues its frame on each connection and hands the connection to these threads, so a
 * publisher never waits on a socket, and a connection that several frames reached before its turn
 * writes them in one go. A connection whose socket accepts bytes but whose queue passed the
 * {@linkplain #pressureBytes(long) pressure mark} is <em>pressing</em>; while any connection presses,
 * publish answers are held back, so a publisher cannot push healthy subscribers past their bound.
 * Connections whose socket refuses bytes do not press: a stalled client slows nobody down, it is cut
 * when its own bound is passed.
 */
final class StreamWriters {

  private static final Logger log = LoggerFactory.getLogger(StreamWriters.class);
  /** The most that a healthy connection may queue before publishers wait for the writers. */
  private static final long MAX_PRESSURE_BYTES = 256 * 1024;
  /** A thread that hands over no drain for this long writes its next one itself. */
  private static final long QUIET_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
  /** The longest a publish answer is held while streams press. */
  private static final Duration MAX_ANSWER_WAIT = Duration.ofSeconds(30);
  /** A writer thread with nothing to do for this long ends; the next drain starts a new one. */
  private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final int maxThreads = Math.max(2, Runtime.getRuntime().availableProcessors());
  private final long quietNanos;
  private final Duration maxAnswerWait;
  private final Executor answerDeadlines;
  // A lock-free queue and parking, not a ThreadPoolExecutor: a publish hands over one drain per
  // subscriber, and a shared lock there is contended by every writer.
  private final Queue<Runnable> drains = new ConcurrentLinkedQueue<>();
  private final Deque<Thread> idle = new ConcurrentLinkedDeque<>();
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicInteger numbers = new AtomicInteger();
  private volatile boolean shutdown;
  /** When each thread other than the writers last handed over a drain. */
  private final ThreadLocal<long[]> lastHandOver = ThreadLocal.withInitial(() -> new long[] {Long.MIN_VALUE});
  /** Set while this thread publishes: its first drain waits for the publish and then runs here. */
  private final ThreadLocal<Runnable[]> publishing = new ThreadLocal<>();

  private final Object lock = new Object();
  // guarded by lock
  private int pressing;
  private List<Runnable> waiting = new ArrayList<>();

  StreamWriters() {
    this(QUIET_NANOS, MAX_ANSWER_WAIT);
  }

  /**
   * With the pause after which a thread writes its next drain itself, and the longest an answer is held;
   * tests change both.
   */
  StreamWriters(long quietNanos, Duration maxAnswerWait) {
    this.quietNanos = quietNanos;
    this.maxAnswerWait = maxAnswerWait;
    this.answerDeadlines = CompletableFuture.delayedExecutor(maxAnswerWait.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The queued bytes above which a writable connection holds back publish answers. */
  static long pressureBytes(long maxPendingBytes) {
    return Math.min(maxPendingBytes / 2, MAX_PRESSURE_BYTES);
  }

  /**
   * Runs {@code publish}, which may fan a message out to streams on this thread, and then writes to the
   * first of them on this thread too: a message for one subscriber then costs no hand-over to a writer
   * thread, and a broadcast keeps this thread writing beside the writers.
   */
  <T> T publishing(Supplier<T> publish) {
    Runnable[] first = new Runnable[1];
    publishing.set(first);
    try {
      return publish.get();
    } finally {
      publishing.remove();
      if (first[0] != null) {
        runQuietly(first[0]);
      }
    }
  }

  /**
   * Runs {@code drain} on a writer thread; or on this thread when it hands a drain over only now and
   * then (a message from Redis for one subscriber, the first stream of a broadcast), since waking a
   * writer would cost more than the write; or on this thread once the writers are shut down.
   */
  void execute(Runnable drain) {
    boolean quiet = firstInAWhile();
    Runnable[] first = publishing.get();
    if (first != null) {
      if (first[0] == null) {
        first[0] = drain;
        return;
      }
    } else if (quiet) {
      runQuietly(drain);
      // The pause is counted from the end of this write, so the rest of a burst goes to the writers.
      lastHandOver.get()[0] = System.nanoTime();
      return;
    }
    handOver(drain);
  }

  private void wakeOrStartWriter() {
    Thread sleeper = idle.pollFirst();
    if (sleeper != null) {
      LockSupport.unpark(sleeper);
      return;
    }
    int count = running.get();
    while (count < maxThreads) {
      if (running.compareAndSet(count, count + 1)) {
        Thread thread = new Writer(this::work, "emitron-sse-writer-" + numbers.incrementAndGet());
        thread.setDaemon(true);
        thread.start();
        return;
      }
      count = running.get();
    }
  }

  /** Whether this thread, not a writer, hands over its first drain after a pause. */
  private boolean firstInAWhile() {
    if (Thread.currentThread() instanceof Writer) {
      return false;
    }
    long[] last = lastHandOver.get();
    long now = System.nanoTime();
    boolean quiet = last[0] == Long.MIN_VALUE || now - last[0] > quietNanos;
    last[0] = now;
    return quiet;
  }

  private void work() {
    Thread self = Thread.currentThread();
    try {
      while (true) {
        Runnable drain = drains.poll();
        if (drain != null) {
          runQuietly(drain);
          continue;
        }
        if (shutdown) {
          return;
        }
        // Announce the sleep before looking once more, so that a drain added meanwhile either is seen
        // here or finds this thread to wake.
        idle.addFirst(self);
        if (!drains.isEmpty()) {
          idle.remove(self);
          continue;
        }
        long start = System.nanoTime();
        LockSupport.parkNanos(this, IDLE_NANOS);
        boolean stillIdle = idle.remove(self);
        if (stillIdle && System.nanoTime() - start >= IDLE_NANOS && drains.isEmpty()) {
          return;
        }
      }
    } finally {
      running.decrementAndGet();
      // A drain may have slipped in while this thread was ending: hand it on.
      if (shutdown) {
        runPending();
      } else {
        Runnable drain = drains.poll();
        if (drain != null) {
          handOver(drain);
        }
      }
    }
  }

  private void runPending() {
    Runnable drain;
    while ((drain = drains.poll()) != null) {
      runQuietly(drain);
    }
  }

  private static void runQuietly(Runnable drain) {
    try {
      drain.run();
    } catch (RuntimeException e) {
      log.warn("An SSE stream writer failed", e);
    }
  }

  /** A connection started or stopped pressing. Called with the connection's lock held: only hands over. */
  void pressing(boolean started) {
    List<Runnable> released = null;
    synchronized (lock) {
      pressing += started ? 1 : -1;
      if (pressing == 0 && !waiting.isEmpty()) {
        released = waiting;
        waiting = new ArrayList<>();
      }
    }
    if (released != null) {
      released.forEach(this::handOverLater);
    }
  }

  /** Whether no connection presses, so a publish may be answered now. */
  boolean caughtUp() {
    synchronized (lock) {
      return pressing == 0;
    }
  }

  /**
   * Runs {@code answer} now if no connection presses, or once none does. An answer is never held longer
   * than the longest wait: a stream that never catches up would be a bug, and must not hang publishers.
   */
  void whenCaughtUp(Runnable answer) {
    boolean held;
    synchronized (lock) {
      held = pressing > 0;
      if (held) {
        waiting.add(answer);
      }
    }
    if (!held) {
      answer.run();
      return;
    }
    answerDeadlines.execute(() -> {
      boolean stillHeld;
      synchronized (lock) {
        stillHeld = waiting.remove(answer);
      }
      if (stillHeld) {
        log.warn("A publish answer waited {} ms for the stream writers; answering anyway",
            maxAnswerWait.toMillis());
        handOverLater(answer);
      }
    });
  }

  /** Runs {@code task} on a writer thread; once the writers are shut down, on this thread. */
  private void handOver(Runnable task) {
    if (shutdown) {
      runQuietly(task);
      return;
    }
    handOverLater(task);
  }

  /**
   * Runs {@code task} on a writer thread, and never on this one, which may hold a stream's lock; once the
   * writers are shut down, on a thread of the common pool.
   */
  private void handOverLater(Runnable task) {
    drains.add(task);
    if (shutdown) {
      // No writer may be left to take it: another thread must.
      ForkJoinPool.commonPool().execute(this::runPending);
      return;
    }
    wakeOrStartWriter();
  }

  /** How many writer threads are parked, waiting for a drain. */
  int idleThreads() {
    return idle.size();
  }

  /** Lets queued drains finish; later ones run on the caller's thread. */
  void shutdown() {
    shutdown = true;
    for (Thread sleeper : idle) {
      LockSupport.unpark(sleeper);
    }
  }

  private static final class Writer extends Thread {
    Writer(Runnable work, String name) {
      super(work, name);
    }
  }
}
