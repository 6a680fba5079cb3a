package dev.emitron.servlet;

/**
 * An HTTP error: the status, a machine-readable code and a human sentence; written as
 * {@code {"ok":false,"error":"<code>","message":"<sentence>"}}.
 */
record ErrorResponse(int status, String code, String message) {

  static ErrorResponse badRequest(String code, String message) {
    return new ErrorResponse(400, code, message);
  }

  static ErrorResponse unavailable(String message) {
    return new ErrorResponse(503, "unavailable", message);
  }
}
