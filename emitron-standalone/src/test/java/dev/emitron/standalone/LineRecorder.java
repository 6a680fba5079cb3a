package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Records the lines a child process prints, on a thread of its own, so that a test can wait for them
 * one at a time with a timeout instead of sleeping.
 */
final class LineRecorder {

  private static final String EOF = new String("<end of output>");

  private final String name;
  private final BlockingQueue<String> queue = new LinkedBlockingQueue<>();
  private final List<String> all = new ArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);

  private LineRecorder(String name) {
    this.name = name;
  }

  /** Starts recording {@code in} on a daemon thread. */
  static LineRecorder record(String name, InputStream in) {
    LineRecorder recorder = new LineRecorder(name);
    Thread thread = new Thread(() -> recorder.pump(in), name + "-output");
    thread.setDaemon(true);
    thread.start();
    return recorder;
  }

  private void pump(InputStream in) {
    try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        synchronized (all) {
          all.add(line);
        }
        queue.add(line);
      }
    } catch (IOException e) {
      // The process is gone; what it printed is recorded.
    } finally {
      queue.add(EOF);
      ended.countDown();
    }
  }

  /** Returns the next line, failing the test if none comes within {@code timeout}. */
  String take(Duration timeout) {
    String line;
    try {
      line = queue.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    if (line == null) {
      return fail("%s printed no line within %s; output so far:%n%s", name, timeout, text());
    }
    if (line == EOF) {
      queue.add(EOF);
      return fail("%s ended its output; output:%n%s", name, text());
    }
    return line;
  }

  /** Skips lines until one matches {@code pattern}, and returns its match. */
  Matcher await(Pattern pattern, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return fail("%s printed no line matching /%s/ within %s; output:%n%s", name, pattern, timeout, text());
      }
      Matcher matcher = pattern.matcher(take(Duration.ofNanos(left)));
      if (matcher.find()) {
        return matcher;
      }
    }
  }

  /** Waits until the output ended (the process closed it, usually by exiting) and returns every line. */
  List<String> awaitEnd(Duration timeout) {
    try {
      if (!ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return fail("%s did not end its output within %s; output so far:%n%s", name, timeout, text());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    return lines();
  }

  /** Every line printed so far. */
  List<String> lines() {
    synchronized (all) {
      return List.copyOf(all);
    }
  }

  /** Every line printed so far, one per line. */
  String text() {
    return String.join(System.lineSeparator(), lines());
  }
}
