package dev.emitron.standalone;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The standalone server's log encoder (see logback.xml): plain lines, or with {@code LOG_FORMAT=json}
 * one JSON object per line, {@code {"time":"...","level":"INFO","logger":"...","thread":"...",
 * "message":"..."}} plus {@code "error"} with the stack trace when there is one.
 */
public final class LogEncoder extends EncoderBase<ILoggingEvent> {

  private static final String PATTERN =
      "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level [%thread] %logger{20} - %msg%n";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] NEWLINE = "\n".getBytes(StandardCharsets.UTF_8);

  private boolean json;
  private PatternLayoutEncoder plain;

  @Override
  public void start() {
    String format = System.getenv("LOG_FORMAT");
    json = format != null && format.trim().toLowerCase(Locale.ROOT).equals("json");
    if (!json) {
      plain = new PatternLayoutEncoder();
      plain.setContext(getContext());
      plain.setPattern(PATTERN);
      plain.start();
    }
    super.start();
  }

  @Override
  public void stop() {
    if (plain != null) {
      plain.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    if (!json) {
      return plain.encode(event);
    }
    Map<String, Object> line = new LinkedHashMap<>();
    line.put("time", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    line.put("level", event.getLevel().toString());
    line.put("logger", event.getLoggerName());
    line.put("thread", event.getThreadName());
    line.put("message", event.getFormattedMessage());
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      line.put("error", ThrowableProxyUtil.asString(error));
    }
    try {
      byte[] text = JSON.writeValueAsBytes(line);
      byte[] out = new byte[text.length + NEWLINE.length];
      System.arraycopy(text, 0, out, 0, text.length);
      System.arraycopy(NEWLINE, 0, out, text.length, NEWLINE.length);
      return out;
    } catch (JsonProcessingException e) {
      return ("{\"level\":\"ERROR\",\"message\":\"cannot write a log line as JSON\"}\n")
          .getBytes(StandardCharsets.UTF_8);
    }
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
