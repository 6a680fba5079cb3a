package dev.emitron.servlet;

import dev.emitron.core.CloseReason;
import dev.emitron.core.Message;
import dev.emitron.core.SseEncoder;
import dev.emitron.core.StreamStart;
import dev.emitron.core.Subscription;
import dev.emitron.core.SubscriptionListener;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open SSE response. Frames are queued by the subscription's callbacks (on any thread) and written
 * by the {@link StreamWriters} with the Servlet non-blocking API: no thread waits on a slow client, and a
 * publisher never writes to a socket itself. Only one thread writes at a time; frames queued meanwhile go
 * out together in one write. After a write that could not complete, the container's
 * {@link #onWritePossible()} resumes.
 *
 * <p>The queued bytes are bounded: a subscriber whose unsent bytes pass the bound is cut, and its
 * browser resumes with {@code Last-Event-ID} from the replay buffer.
 */
final class SseConnection implements SubscriptionListener, WriteListener, AsyncListener {

  private static final Logger log = LoggerFactory.getLogger(SseConnection.class);
  /** Frames queued together are written together, up to this many bytes at a time. */
  private static final int MAX_WRITE_BYTES = 64 * 1024;

  private final AsyncContext async;
  private final HttpServletResponse response;
  private final EmitronServlet.Settings settings;
  private final ConnectionRegistry registry;
  private final StreamWriters writers;
  private final long pressureBytes;
  private final Object lock = new Object();

  // guarded by lock
  private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
  private long queuedBytes;
  /** The opening frames and the replay sit at the head of the queue and do not count against the bound. */
  private int exemptFrames;
  private long exemptBytes;
  private int replayToCome;
  private boolean cutBeforeAttach;
  private boolean started;
  /** A drain is queued on the writers or running: at most one at a time. */
  private boolean scheduled;
  /** Until the container's first {@link #onWritePossible()}, and after a write that did not complete. */
  private boolean awaitingWritePossible = true;
  private boolean unflushed;
  private boolean ending;
  private boolean done;
  private boolean pressing;

  private volatile Subscription subscription;

  SseConnection(AsyncContext async, EmitronServlet.Settings settings, ConnectionRegistry registry,
      StreamWriters writers) {
    this.async = async;
    this.response = (HttpServletResponse) async.getResponse();
    this.settings = settings;
    this.registry = registry;
    this.writers = writers;
    this.pressureBytes = StreamWriters.pressureBytes(settings.maxPendingBytes());
  }

  void attach(Subscription subscription) {
    this.subscription = subscription;
    boolean cut;
    boolean finished;
    synchronized (lock) {
      cut = cutBeforeAttach;
      finished = done;
    }
    if (cut) {
      subscription.close(CloseReason.SLOW_CONSUMER);
    } else if (finished) {
      subscription.close();
    }
  }

  /** Sets the status and headers of an event stream response. */
  static void writeStreamHeaders(HttpServletResponse response) {
    response.setStatus(200);
    response.setContentType("text/event-stream; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache, no-transform");
    response.setHeader("X-Accel-Buffering", "no");
  }

  @Override
  public void onStart(StreamStart start) {
    writeStreamHeaders(response);
    if (start.resumed()) {
      response.setHeader("Emitron-Recovered", Boolean.toString(start.recovered()));
    }
    synchronized (lock) {
      started = true;
      replayToCome = start.replayed();
      enqueue(SseEncoder.retry(settings.retry().toMillis()));
      if (start.gap()) {
        Map<String, String> gap = new LinkedHashMap<>();
        gap.put("lastEventId", start.requestedId());
        gap.put("oldest", start.oldest() == null ? null : start.oldest().toString());
        enqueue(SseEncoder.event(null, "emitron.gap", Json.write(gap)));
      }
      if (start.replayed() == 0) {
        // Sets the client's last event id without an event, so a client that receives no message before
        // it reconnects still resumes from here instead of missing what is published meanwhile.
        enqueue(SseEncoder.lastEventId(start.position().toString()));
      }
    }
    try {
      response.getOutputStream().setWriteListener(this);
    } catch (IOException | IllegalStateException e) {
      fail(e);
    }
  }

  @Override
  public void onMessage(Message message) {
    offer(message.frame());
  }

  @Override
  public void onHeartbeat() {
    offer(SseEncoder.comment("hb " + System.currentTimeMillis()));
  }

  @Override
  public void onClose(CloseReason reason, Throwable cause) {
    boolean wasStarted;
    synchronized (lock) {
      wasStarted = started;
      if (done) {
        return;
      }
      if (wasStarted) {
        if (reason == CloseReason.SLOW_CONSUMER) {
          clearQueue();
        }
        ending = true;
        // An ending stream no longer holds publishers back, whatever it still has to write.
        updatePressure();
      } else {
        done = true;
      }
    }
    if (!wasStarted) {
      // The stream never started: answer with an error instead.
      ErrorResponse error = switch (reason) {
        case SHUTDOWN -> new ErrorResponse(503, "shutting_down", "the server is shutting down");
        case SLOW_CONSUMER -> new ErrorResponse(503, "overloaded",
            "too many messages arrived while the stream was starting; retry");
        default -> ErrorResponse.unavailable("the transport cannot be reached: " + describe(cause));
      };
      Responses.writeError(response, error);
      completeQuietly();
      return;
    }
    if (reason == CloseReason.SLOW_CONSUMER) {
      log.debug("Cut a slow subscriber of topic '{}'", subscription == null ? "?" : subscription.topic());
    }
    scheduleDrain();
  }

  private static String describe(Throwable cause) {
    return cause == null || cause.getMessage() == null ? "no answer" : cause.getMessage();
  }

  private void offer(byte[] frame) {
    boolean overflow = false;
    synchronized (lock) {
      if (ending || done) {
        return;
      }
      if (replayToCome > 0) {
        replayToCome--;
        enqueue(frame);
      } else {
        long live = queuedBytes - exemptBytes;
        overflow = live + frame.length > settings.maxPendingBytes() && live > 0;
        if (!overflow) {
          queue.addLast(frame);
          queuedBytes += frame.length;
        }
      }
      updatePressure();
      if (overflow && subscription == null) {
        cutBeforeAttach = true;
        return;
      }
    }
    if (overflow) {
      subscription.close(CloseReason.SLOW_CONSUMER);
    } else {
      scheduleDrain();
    }
  }

  /** Queues an opening or replayed frame, exempt from the bound on unsent bytes. */
  private void enqueue(byte[] frame) {
    queue.addLast(frame);
    queuedBytes += frame.length;
    exemptFrames++;
    exemptBytes += frame.length;
  }

  private void clearQueue() {
    queue.clear();
    queuedBytes = 0;
    exemptFrames = 0;
    exemptBytes = 0;
    replayToCome = 0;
  }

  @Override
  public void onWritePossible() {
    synchronized (lock) {
      awaitingWritePossible = false;
      if (scheduled || done) {
        return;
      }
      scheduled = true;
      updatePressure();
    }
    // The container calls back when the socket takes bytes again: keep writing on its thread.
    drain();
  }

  /** Hands this connection to the writers unless a drain is already on its way or cannot write yet. */
  private void scheduleDrain() {
    synchronized (lock) {
      if (!started || scheduled || awaitingWritePossible || done) {
        return;
      }
      scheduled = true;
    }
    writers.execute(this::drain);
  }

  /** Writes queued frames while the output accepts them; runs only while {@code scheduled}. */
  private void drain() {
    try {
      ServletOutputStream out = response.getOutputStream();
      while (true) {
        byte[] bytes = null;
        boolean flush = false;
        synchronized (lock) {
          if (done) {
            scheduled = false;
            return;
          }
          if (!out.isReady()) {
            awaitingWritePossible = true;
            scheduled = false;
            updatePressure();
            return;
          }
          if (!queue.isEmpty()) {
            bytes = takeQueued();
            unflushed = settings.flushAfterWrites();
            updatePressure();
          } else if (unflushed) {
            unflushed = false;
            flush = true;
          } else if (ending) {
            done = true;
            scheduled = false;
          } else {
            scheduled = false;
            return;
          }
        }
        if (bytes != null) {
          out.write(bytes);
        } else if (flush) {
          out.flush();
        } else {
          completeQuietly();
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      synchronized (lock) {
        scheduled = false;
      }
      fail(e);
    } catch (Error e) {
      // Release the stream (and any publisher it held back) before the error goes on.
      synchronized (lock) {
        scheduled = false;
      }
      fail(e);
      throw e;
    }
  }

  /**
   * Removes the queued frames that fit in one write and returns their bytes: the frame itself when it is
   * alone, so the common case copies nothing.
   */
  private byte[] takeQueued() {
    byte[] first = queue.pollFirst();
    account(first);
    if (queue.isEmpty() || first.length >= MAX_WRITE_BYTES) {
      return first;
    }
    int total = first.length;
    int count = 1;
    for (byte[] frame : queue) {
      if (total + frame.length > MAX_WRITE_BYTES) {
        break;
      }
      total += frame.length;
      count++;
    }
    if (count == 1) {
      return first;
    }
    byte[] bytes = new byte[total];
    System.arraycopy(first, 0, bytes, 0, first.length);
    int at = first.length;
    for (int i = 1; i < count; i++) {
      byte[] frame = queue.pollFirst();
      account(frame);
      System.arraycopy(frame, 0, bytes, at, frame.length);
      at += frame.length;
    }
    return bytes;
  }

  private void account(byte[] frame) {
    queuedBytes -= frame.length;
    if (exemptFrames > 0) {
      exemptFrames--;
      exemptBytes -= frame.length;
    }
  }

  /**
   * A connection presses while its socket takes bytes but its queue is past the pressure mark: the
   * writers lag behind the publishers, who then wait. Called with the lock held after every change.
   */
  private void updatePressure() {
    boolean now = !done && !ending && !awaitingWritePossible && queuedBytes > pressureBytes;
    if (now != pressing) {
      pressing = now;
      writers.pressing(now);
    }
  }

  @Override
  public void onError(Throwable failure) {
    fail(failure);
  }

  /** The client went away or the container failed the response: release everything. */
  private void fail(Throwable failure) {
    synchronized (lock) {
      if (done) {
        return;
      }
      done = true;
      clearQueue();
      updatePressure();
    }
    log.debug("SSE stream failed: {}", failure.toString());
    Subscription current = subscription;
    if (current != null) {
      current.close();
    }
    completeQuietly();
  }

  /** Ends the stream cleanly after the frames already queued: used at shutdown. */
  void end() {
    Subscription current = subscription;
    if (current != null) {
      current.close(CloseReason.SHUTDOWN);
    }
  }

  private void completeQuietly() {
    registry.remove(this);
    try {
      async.complete();
    } catch (RuntimeException e) {
      log.debug("Completing an SSE stream failed: {}", e.toString());
    }
  }

  // AsyncListener: the container's view of the request's end.

  @Override
  public void onComplete(AsyncEvent event) {
    synchronized (lock) {
      done = true;
      clearQueue();
      updatePressure();
    }
    registry.remove(this);
    Subscription current = subscription;
    if (current != null) {
      current.close();
    }
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    fail(new IOException("async timeout"));
  }

  @Override
  public void onError(AsyncEvent event) {
    fail(event.getThrowable() == null ? new IOException("async error") : event.getThrowable());
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
  }
}
