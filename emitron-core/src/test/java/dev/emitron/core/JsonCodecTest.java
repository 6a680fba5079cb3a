package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonCodecTest {

  private final ObjectMapper mapper = new ObjectMapper();

  private JsonNode roundTripThroughUtf8(String json) throws Exception {
    JsonNode published = mapper.readTree(json);
    byte[] wire = JsonCodec.write(published).getBytes(StandardCharsets.UTF_8);
    return mapper.readTree(new String(wire, StandardCharsets.UTF_8));
  }

  @Test
  void loneSurrogatesSurviveUtf8AsEscapes() throws Exception {
    for (String json : new String[] {"\"a\\ud800b\"", "\"\\udc00\"", "{\"\\ude00\\ud83d\":[\"\\ud83d\"]}"}) {
      assertThat(roundTripThroughUtf8(json)).as(json).isEqualTo(mapper.readTree(json));
    }
  }

  @Test
  void surrogatePairsStayRawCharacters() {
    String emoji = "\ud83d\ude00";
    assertThat(JsonCodec.write(mapper.getNodeFactory().textNode("x" + emoji))).isEqualTo("\"x" + emoji + "\"");
  }

  @Test
  void lineSeparatorsAreEscaped() {
    assertThat(JsonCodec.write(mapper.getNodeFactory().textNode("\u2028\u2029\u0085")))
        .isEqualTo("\"\\u2028\\u2029\\u0085\"");
  }
}
