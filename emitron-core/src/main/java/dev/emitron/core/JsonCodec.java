package dev.emitron.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.CharacterEscapes;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** Writes message data as compact, single-line JSON. */
final class JsonCodec {

  /**
   * Escapes U+2028, U+2029 and U+0085 as well as the JSON-mandated characters: they are not line
   * terminators for SSE, but some line-oriented tools and JavaScript contexts treat them as such.
   * The escaped form parses back to the same value.
   */
  private static final class LineSeparatorEscapes extends CharacterEscapes {
    private final int[] asciiEscapes = standardAsciiEscapesForJSON();

    @Override
    public int[] getEscapeCodesForAscii() {
      return asciiEscapes;
    }

    @Override
    public SerializableString getEscapeSequence(int ch) {
      return switch (ch) {
        case 0x2028 -> new SerializedString("\\u2028");
        case 0x2029 -> new SerializedString("\\u2029");
        case 0x0085 -> new SerializedString("\\u0085");
        default -> null;
      };
    }
  }

  static final ObjectMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  static {
    MAPPER.getFactory().setCharacterEscapes(new LineSeparatorEscapes());
  }

  private JsonCodec() {
  }

  /** Returns {@code value} as compact JSON text. */
  static String write(Object value) {
    try {
      return escapeLoneSurrogates(MAPPER.writeValueAsString(value));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("data cannot be written as JSON: " + e.getOriginalMessage(), e);
    }
  }

  /**
   * Replaces every unpaired surrogate with its JSON escape (backslash, {@code u}, four hex digits). JSON
   * strings may hold them (as escapes), Jackson writes them as raw characters, and UTF-8 cannot encode
   * them: the frame would carry {@code ?} instead of the published value. Jackson writes raw non-ASCII
   * characters only inside strings, so the escape is the same JSON value. Escape hooks cannot do this:
   * they see one character at a time, not whether it is part of a pair.
   */
  static String escapeLoneSurrogates(String json) {
    StringBuilder out = null;
    for (int i = 0; i < json.length(); i++) {
      char c = json.charAt(i);
      if (Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < json.length() && Character.isLowSurrogate(json.charAt(i + 1))) {
          if (out != null) {
            out.append(c).append(json.charAt(i + 1));
          }
          i++;
          continue;
        }
        if (out == null) {
          out = new StringBuilder(json.length() + 16).append(json, 0, i);
        }
        out.append(String.format("\\u%04x", (int) c));
      } else if (out != null) {
        out.append(c);
      }
    }
    return out == null ? json : out.toString();
  }

  /** Returns {@code node} as compact JSON text. */
  static String write(JsonNode node) {
    return write((Object) node);
  }
}
