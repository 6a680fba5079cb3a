package dev.emitron.servlet;

/** Thrown while handling a request to answer with an error response; never escapes the servlet. */
final class HttpError extends RuntimeException {

  private final ErrorResponse response;
  private final String allow;

  HttpError(ErrorResponse response) {
    this(response, null);
  }

  HttpError(ErrorResponse response, /* @Nullable */ String allow) {
    super(response.message(), null, false, false);
    this.response = response;
    this.allow = allow;
  }

  ErrorResponse response() {
    return response;
  }

  /** The {@code Allow} header of a 405, or null. */
  /* @Nullable */ String allow() {
    return allow;
  }
}
