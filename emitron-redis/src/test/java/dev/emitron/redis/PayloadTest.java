package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Topic;
import org.junit.jupiter.api.Test;

class PayloadTest {

  private final Topic topic = Topic.of("t");
  private final MessageId id = new MessageId(1700000000000L, 7);

  @Test
  void dataWithLineFeedsAndLookAlikesSurvives() {
    String data = "\"x\\n\"\nevent: evil\nid: 999\r\n\n";
    Message message = Payload.decode(topic, Payload.encode(id, null, data)).orElseThrow();
    assertThat(message).isEqualTo(new Message(topic, id, null, data));
  }

  @Test
  void eventNameIsKeptAndEmptyMeansNone() {
    assertThat(Payload.decode(topic, Payload.encode(id, "update", "1")).orElseThrow().event()).isEqualTo("update");
    assertThat(Payload.decode(topic, Payload.encode(id, null, "")).orElseThrow())
        .isEqualTo(new Message(topic, id, null, ""));
  }

  @Test
  void foreignPayloadsAreRefused() {
    assertThat(Payload.decode(topic, "hello")).isEmpty();
    assertThat(Payload.decode(topic, "not-an-id\n\n1")).isEmpty();
    assertThat(Payload.decode(topic, "1-0\nbad event\n1")).isEmpty();
    assertThat(Payload.decode(topic, "1-0\n1")).isEmpty();
  }
}
