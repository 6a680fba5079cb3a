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
 * with the Servlet non-blocking API: no thread waits on a slow client. Only one thread writes at a time;
 * after a write that could not complete, the container's {@link #onWritePossible()} resumes.
 *
 * <p>The queued bytes are bounded: a subscriber whose unsent bytes pass the bound is cut, and its
 * browser resumes with {@code Last-Event-ID} from the replay buffer.
 */
final class SseConnection implements SubscriptionListener, WriteListener, AsyncListener {

  private static final Logger log = LoggerFactory.getLogger(SseConnection.class);

  private final AsyncContext async;
  private final HttpServletResponse response;
  private final EmitronServlet.Settings settings;
  private final ConnectionRegistry registry;
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
  private boolean draining;
  private boolean awaitingWritePossible;
  private boolean unflushed;
  private boolean ending;
  private boolean done;

  private volatile Subscription subscription;

  SseConnection(AsyncContext async, EmitronServlet.Settings settings, ConnectionRegistry registry) {
    this.async = async;
    this.response = (HttpServletResponse) async.getResponse();
    this.settings = settings;
    this.registry = registry;
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
    drain();
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
      if (overflow && subscription == null) {
        cutBeforeAttach = true;
        return;
      }
    }
    if (overflow) {
      subscription.close(CloseReason.SLOW_CONSUMER);
    } else {
      drain();
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
    }
    drain();
  }

  /** Writes queued frames while the output accepts them; one thread at a time. */
  private void drain() {
    synchronized (lock) {
      if (!started || draining || awaitingWritePossible || done) {
        return;
      }
      draining = true;
    }
    try {
      ServletOutputStream out = response.getOutputStream();
      while (true) {
        byte[] frame;
        boolean flush = false;
        boolean complete = false;
        synchronized (lock) {
          if (!out.isReady()) {
            awaitingWritePossible = true;
            draining = false;
            return;
          }
          frame = queue.pollFirst();
          if (frame != null) {
            queuedBytes -= frame.length;
            if (exemptFrames > 0) {
              exemptFrames--;
              exemptBytes -= frame.length;
            }
            unflushed = true;
          } else if (unflushed) {
            unflushed = false;
            flush = true;
          } else if (ending) {
            done = true;
            complete = true;
          } else {
            draining = false;
            return;
          }
        }
        if (frame != null) {
          out.write(frame);
        } else if (flush) {
          out.flush();
        } else if (complete) {
          draining = false;
          completeQuietly();
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      synchronized (lock) {
        draining = false;
      }
      fail(e);
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
