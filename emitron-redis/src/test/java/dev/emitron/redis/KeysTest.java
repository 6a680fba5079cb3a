package dev.emitron.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.emitron.core.Topic;
import io.lettuce.core.cluster.SlotHash;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeysTest {

  private final Keys keys = new Keys("emitron");

  @Test
  void keyAndChannelNameTheTopicInsideAHashTag() {
    Topic news = Topic.of("news");
    assertThat(keys.stream(news)).isEqualTo("emitron:{news}:buf");
    assertThat(keys.channel(news)).isEqualTo("emitron:{news}:live");
  }

  @Test
  void keyAndChannelShareASlotWhateverTheTopicHolds() {
    for (String name : List.of("news", "a*", "a?b", "{x}", "a}b", "}", "{", "{}", "%7D", "a%b", "news/sports",
        "a:b", "caf\u00e9", "[a-z]")) {
      Topic topic = Topic.of(name);
      String stream = keys.stream(topic);
      String channel = keys.channel(topic);
      assertThat(SlotHash.getSlot(stream)).as(name).isEqualTo(SlotHash.getSlot(channel));
      assertThat(SlotHash.getSlot(stream)).as(name).isEqualTo(SlotHash.getSlot("{" + Keys.encode(name) + "}"));
    }
  }

  @Test
  void encodingIsReversibleAndLeavesNoClosingBrace() {
    for (String name : List.of("a}b", "%7D", "%", "%25}", "}}", "plain", "{x}")) {
      String encoded = Keys.encode(name);
      assertThat(encoded).doesNotContain("}");
      assertThat(Keys.decode(encoded)).isEqualTo(name);
    }
    assertThat(Keys.encode("a}b")).isNotEqualTo(Keys.encode("a%7Db"));
  }

  @Test
  void channelsMapBackToTheirTopicAndForeignChannelsToNone() {
    for (String name : List.of("a}b", "%7D", "{x}", "news/sports", "a*")) {
      Topic topic = Topic.of(name);
      assertThat(keys.topicOf(keys.channel(topic))).isEqualTo(topic);
    }
    assertThat(keys.topicOf("other:{news}:live")).isNull();
    assertThat(keys.topicOf("emitron:{news}:buf")).isNull();
    assertThat(new Keys("emitron2").topicOf(keys.channel(Topic.of("news")))).isNull();
  }
}
