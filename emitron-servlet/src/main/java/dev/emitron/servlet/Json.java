package dev.emitron.servlet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.core.JsonFactory;

/** Reads publish bodies with bounded limits and writes response bodies. */
final class Json {

  /** Bounds on what a publish body may hold, so that no body costs more than a bounded amount of work. */
  static final int MAX_NESTING_DEPTH = 64;
  static final int MAX_NUMBER_LENGTH = 1000;

  private static final ObjectMapper WRITER = new ObjectMapper();

  private Json() {
  }

  static ObjectMapper reader(int maxBodyBytes) {
    JsonFactory factory = JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(MAX_NESTING_DEPTH)
            .maxNumberLength(MAX_NUMBER_LENGTH)
            .maxStringLength(Math.max(1, maxBodyBytes))
            .build())
        .build();
    return JsonMapper.builder(factory)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        // Keep numbers as written (1.0 stays 1.0), not normalised.
        .disable(com.fasterxml.jackson.databind.cfg.JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
        .build();
  }

  static JsonNode parse(ObjectMapper reader, byte[] body) throws JsonProcessingException {
    try {
      return reader.readTree(body);
    } catch (JsonProcessingException e) {
      throw e;
    } catch (java.io.IOException e) {
      // Reading from a byte array fails only with a parse error.
      throw new IllegalStateException(e);
    }
  }

  /** Where a parse error is, without Jackson's internals: " at line L, column C", or "". */
  static String where(JsonProcessingException e) {
    com.fasterxml.jackson.core.JsonLocation location = e.getLocation();
    if (location == null || location.getLineNr() < 0) {
      return "";
    }
    return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  static String write(Object value) {
    try {
      return WRITER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
