package dev.emitron.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.Consumer;

/**
 * Reads a request body with the Servlet non-blocking API, up to a bound, and hands it on whole. A body
 * over the bound is answered with 413 as soon as it passes it; one not sent in time with 408. Either way
 * the connection is closed, since the rest of the body is still on it.
 */
final class BodyReader implements ReadListener, AsyncListener {

  private final AsyncContext async;
  private final int max;
  private final Consumer<byte[]> whenRead;
  private final ByteArrayOutputStream body;
  private final byte[] chunk = new byte[8192];
  private boolean finished; // guarded by this

  BodyReader(AsyncContext async, int max, Consumer<byte[]> whenRead) {
    this.async = async;
    this.max = max;
    this.whenRead = whenRead;
    long declared = async.getRequest().getContentLengthLong();
    // Never allocate what a client merely declares: grow as bytes arrive.
    this.body = new ByteArrayOutputStream((int) Math.min(Math.max(declared, 256), 8192));
  }

  @Override
  public void onDataAvailable() throws IOException {
    ServletInputStream in = async.getRequest().getInputStream();
    while (in.isReady()) {
      int n = in.read(chunk);
      if (n < 0) {
        return;
      }
      if (body.size() + n > max) {
        refuse(EmitronServlet.tooLarge(max).response());
        return;
      }
      body.write(chunk, 0, n);
    }
  }

  @Override
  public void onAllDataRead() {
    if (claim()) {
      try {
        whenRead.accept(body.toByteArray());
      } catch (RuntimeException e) {
        HttpServletResponse response = (HttpServletResponse) async.getResponse();
        Responses.writeError(response, new ErrorResponse(500, "internal", "the server failed to handle the request"));
        async.complete();
        throw e;
      }
    }
  }

  @Override
  public void onError(Throwable failure) {
    refuse(ErrorResponse.badRequest("invalid_body", "the body could not be read"));
  }

  @Override
  public void onTimeout(AsyncEvent event) {
    refuse(new ErrorResponse(408, "request_timeout", "the body did not arrive in time"));
  }

  @Override
  public void onError(AsyncEvent event) {
    onError(event.getThrowable());
  }

  @Override
  public void onComplete(AsyncEvent event) {
  }

  @Override
  public void onStartAsync(AsyncEvent event) {
  }

  private void refuse(ErrorResponse error) {
    if (!claim()) {
      return;
    }
    HttpServletResponse response = (HttpServletResponse) async.getResponse();
    response.setHeader("Connection", "close");
    Responses.writeError(response, error);
    try {
      async.complete();
    } catch (IllegalStateException e) {
      // Already completed by the container after a failure.
    }
  }

  /** The first outcome wins; the others are ignored. */
  private synchronized boolean claim() {
    if (finished) {
      return false;
    }
    finished = true;
    return true;
  }
}
