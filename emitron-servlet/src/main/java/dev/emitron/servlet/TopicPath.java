package dev.emitron.servlet;

import dev.emitron.core.Topic;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns the raw (still percent-encoded) rest of a path into a topic: percent-decoded exactly once as
 * strict UTF-8, then checked against the topic grammar. {@code %2F} and {@code /} give the same topic;
 * {@code %252F} gives a topic containing {@code %2F}.
 */
final class TopicPath {

  private TopicPath() {
  }

  /** Returns the topic, or throws an {@link HttpError} with status 400 saying what is wrong. */
  static Topic parse(String raw) {
    String name = decode(raw);
    try {
      return Topic.of(name);
    } catch (IllegalArgumentException e) {
      throw new HttpError(ErrorResponse.badRequest("invalid_topic", e.getMessage()));
    }
  }

  static String decode(String raw) {
    if (raw.indexOf('%') < 0 && raw.indexOf('\uFFFD') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new HttpError(ErrorResponse.badRequest("invalid_topic", "topic name has a malformed percent-escape"));
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c == '\uFFFD') {
        // The container put this in place of raw bytes that were not UTF-8; a real U+FFFD comes encoded.
        throw new HttpError(ErrorResponse.badRequest("invalid_topic", "topic name is not valid UTF-8"));
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        int codePoint = raw.codePointAt(i);
        bytes.writeBytes(new String(Character.toChars(codePoint)).getBytes(StandardCharsets.UTF_8));
        i += Character.charCount(codePoint) - 1;
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      throw new HttpError(ErrorResponse.badRequest("invalid_topic", "topic name is not valid UTF-8"));
    }
  }
}
