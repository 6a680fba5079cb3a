package dev.emitron.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StreamWritersTest {

  /** Only a thread's first drain counts as after a pause, so where each runs does not depend on timing. */
  final StreamWriters writers = new StreamWriters(TimeUnit.MINUTES.toNanos(5), Duration.ofMinutes(5));

  @AfterEach
  void shutdown() {
    writers.shutdown();
  }

  @Test
  void everyDrainHandedOverFromManyThreadsRunsExactlyOnce() throws Exception {
    int producers = 8;
    int perProducer = 20_000;
    AtomicReferenceArray<String> ranOn = new AtomicReferenceArray<>(producers * perProducer);
    AtomicInteger runs = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(producers);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> handed = new ArrayList<>();
      for (int p = 0; p < producers; p++) {
        int first = p * perProducer;
        handed.add(pool.submit(() -> {
          go.await();
          for (int i = first; i < first + perProducer; i++) {
            int slot = i;
            writers.execute(() -> {
              assertThat(ranOn.getAndSet(slot, Thread.currentThread().getName())).isNull();
              runs.incrementAndGet();
            });
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> future : handed) {
        future.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> runs.get() == producers * perProducer);
    int onWriters = 0;
    for (int i = 0; i < ranOn.length(); i++) {
      if (ranOn.get(i).startsWith("emitron-sse-writer-")) {
        onWriters++;
      }
    }
    // A producer writes itself only a drain that follows a pause; a burst goes to the writers.
    assertThat(onWriters).isGreaterThan(producers * perProducer / 2);
  }

  @Test
  void aThreadThatHandsOverRarelyWritesItselfAndABurstGoesToTheWriters() throws Exception {
    Thread caller = Thread.currentThread();
    AtomicReference<Thread> firstRanOn = new AtomicReference<>();
    AtomicReference<Thread> secondRanOn = new AtomicReference<>();
    CountDownLatch second = new CountDownLatch(1);
    writers.execute(() -> firstRanOn.set(Thread.currentThread()));
    writers.execute(() -> {
      secondRanOn.set(Thread.currentThread());
      second.countDown();
    });
    assertThat(firstRanOn.get()).isSameAs(caller);
    assertThat(second.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(secondRanOn.get().getName()).startsWith("emitron-sse-writer-");
  }

  /** Hands over a burst of two, so that the second goes to a writer; returns when that one ran. */
  private void handOverBurst(Runnable second) throws InterruptedException {
    CountDownLatch ran = new CountDownLatch(1);
    writers.execute(() -> { });
    writers.execute(() -> {
      try {
        second.run();
      } finally {
        ran.countDown();
      }
    });
    assertThat(ran.await(10, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void writersThatFellAsleepWakeForTheNextDrain() throws Exception {
    Set<String> ranOn = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < 50; round++) {
      handOverBurst(() -> ranOn.add(Thread.currentThread().getName()));
      // Let the writer park between rounds: the next drain must wake it.
      await().pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
          .until(() -> writers.idleThreads() > 0);
    }
    assertThat(ranOn).allMatch(name -> name.startsWith("emitron-sse-writer-"));
  }

  @Test
  void aFailingDrainDoesNotStopTheWriters() throws Exception {
    handOverBurst(() -> {
      throw new IllegalStateException("a drain that fails");
    });
    AtomicReference<String> ranOn = new AtomicReference<>();
    handOverBurst(() -> ranOn.set(Thread.currentThread().getName()));
    assertThat(ranOn.get()).startsWith("emitron-sse-writer-");
  }

  @Test
  void thePublishingThreadWritesTheFirstStreamItselfAfterThePublishAndHandsOverTheRest() throws Exception {
    Thread publisher = Thread.currentThread();
    AtomicReference<Thread> firstRanOn = new AtomicReference<>();
    Set<Thread> restRanOn = ConcurrentHashMap.newKeySet();
    CountDownLatch rest = new CountDownLatch(10);
    AtomicInteger publishReturned = new AtomicInteger();

    String answer = writers.publishing(() -> {
      writers.execute(() -> firstRanOn.set(publishReturned.get() == 1 ? Thread.currentThread() : null));
      for (int i = 0; i < 10; i++) {
        writers.execute(() -> {
          restRanOn.add(Thread.currentThread());
          rest.countDown();
        });
      }
      assertThat(firstRanOn.get()).as("the first drain waits for the publish").isNull();
      publishReturned.set(1);
      return "published";
    });

    assertThat(answer).isEqualTo("published");
    assertThat(firstRanOn.get()).isSameAs(publisher);
    assertThat(rest.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(restRanOn).doesNotContain(publisher);
    // Outside a publish, drains go to the writers again.
    AtomicReference<Thread> laterRanOn = new AtomicReference<>();
    CountDownLatch later = new CountDownLatch(1);
    writers.execute(() -> {
      laterRanOn.set(Thread.currentThread());
      later.countDown();
    });
    assertThat(later.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(laterRanOn.get()).isNotSameAs(publisher);
  }

  @Test
  void answersWaitWhileAnyStreamPressesAndGoOutWhenNoneDoes() throws Exception {
    AtomicInteger answered = new AtomicInteger();
    writers.whenCaughtUp(answered::incrementAndGet);
    assertThat(answered.get()).as("nothing presses: answered at once").isEqualTo(1);
    assertThat(writers.caughtUp()).isTrue();

    writers.pressing(true);
    writers.pressing(true);
    CountDownLatch released = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      writers.whenCaughtUp(() -> {
        answered.incrementAndGet();
        released.countDown();
      });
    }
    assertThat(writers.caughtUp()).isFalse();
    writers.pressing(false);
    // Answers are released only by the call that ends the last pressing, so none can be on its way.
    assertThat(released.getCount()).as("one stream still presses").isEqualTo(3);
    assertThat(answered.get()).isEqualTo(1);

    writers.pressing(false);
    assertThat(released.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(answered.get()).isEqualTo(4);
    assertThat(writers.caughtUp()).isTrue();
  }

  @Test
  void anAnswerHeldLongerThanTheLongestWaitGoesOutAnywayAndOnlyOnce() throws Exception {
    StreamWriters stuck = new StreamWriters(TimeUnit.MINUTES.toNanos(5), Duration.ofMillis(50));
    try {
      stuck.pressing(true);
      AtomicInteger answered = new AtomicInteger();
      CountDownLatch out = new CountDownLatch(1);
      stuck.whenCaughtUp(() -> {
        answered.incrementAndGet();
        out.countDown();
      });
      assertThat(out.await(10, TimeUnit.SECONDS)).as("answered although a stream still presses").isTrue();
      assertThat(stuck.caughtUp()).isFalse();
      // The stream catching up later must not answer it a second time.
      CountDownLatch next = new CountDownLatch(1);
      stuck.whenCaughtUp(next::countDown);
      stuck.pressing(false);
      assertThat(next.await(10, TimeUnit.SECONDS)).isTrue();
      assertThat(answered.get()).isEqualTo(1);
    } finally {
      stuck.shutdown();
    }
  }

  @Test
  void afterShutdownDrainsRunOnTheCallersThread() {
    writers.shutdown();
    AtomicReference<Thread> ranOn = new AtomicReference<>();
    writers.execute(() -> ranOn.set(Thread.currentThread()));
    assertThat(ranOn.get()).isSameAs(Thread.currentThread());
  }
}
