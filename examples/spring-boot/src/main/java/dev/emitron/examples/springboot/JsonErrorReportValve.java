package dev.emitron.examples.springboot;

import java.io.IOException;
import java.io.Writer;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.coyote.ActionCode;

/**
 * Answers errors that Tomcat raises before a request under {@code /events/} reaches emitron's servlet (an
 * encoded NUL or a malformed escape in the path, a bad header) with emitron's JSON error body, as the
 * protocol promises for every error, instead of Tomcat's HTML page. So are requests whose target Tomcat
 * could not even parse (raw non-ASCII bytes in it): they belong to no path. Other paths keep Tomcat's
 * report, without its stack trace and version.
 *
 * <p>Installed as the host's error report valve by {@link EmitronConfiguration}; public with a public
 * constructor because Tomcat instantiates it by class name.
 */
public final class JsonErrorReportValve extends ErrorReportValve {

  /** Created by Tomcat. */
  public JsonErrorReportValve() {
    setShowReport(false);
    setShowServerInfo(false);
  }

  @Override
  protected void report(Request request, Response response, Throwable throwable) {
    String uri = request.getCoyoteRequest().requestURI().toString();
    if (uri != null && !uri.isEmpty() && !uri.startsWith(EmitronConfiguration.PREFIX)) {
      super.report(request, response, throwable);
      return;
    }
    int status = response.getStatus();
    if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
      return;
    }
    AtomicBoolean ioAllowed = new AtomicBoolean(true);
    response.getCoyoteResponse().action(ActionCode.IS_IO_ALLOWED, ioAllowed);
    if (!ioAllowed.get()) {
      return;
    }
    String code = status == 400 ? "bad_request" : status == 404 ? "not_found" : "http_" + status;
    String message = status == 400 ? "the request is malformed" : "the request failed with status " + status;
    try {
      response.setContentType("application/json");
      response.setCharacterEncoding("UTF-8");
      response.setHeader("Cache-Control", "no-store");
      Writer writer = response.getReporter();
      if (writer != null) {
        writer.write("{\"ok\":false,\"error\":\"" + code + "\",\"message\":\"" + message + "\"}");
        response.finishResponse();
      }
    } catch (IOException | IllegalStateException e) {
      // The client is gone or the response cannot take a body; nothing more to tell it.
    }
  }
}
