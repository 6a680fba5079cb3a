package dev.emitron.redis;

import dev.emitron.core.Message;
import dev.emitron.core.MessageId;
import dev.emitron.core.Topic;
import java.util.Optional;

/**
 * The live-feed payload of a message, written by the publish script: {@code <id> LF <event> LF <data>}.
 * The id and the event name never hold a line feed (an empty event is the default {@code message}
 * event, as event names are never empty), so the data is everything after the second line feed and may
 * hold any character.
 */
final class Payload {

  private Payload() {
  }

  static String encode(MessageId id, /* @Nullable */ String event, String data) {
    return id + "\n" + (event == null ? "" : event) + "\n" + data;
  }

  /**
   * Decodes a payload.
   *
   * @return the message, or empty when the payload is not one emitron wrote
   */
  static Optional<Message> decode(Topic topic, String payload) {
    int first = payload.indexOf('\n');
    int second = first < 0 ? -1 : payload.indexOf('\n', first + 1);
    if (second < 0) {
      return Optional.empty();
    }
    Optional<MessageId> id = MessageId.parse(payload.substring(0, first));
    if (id.isEmpty()) {
      return Optional.empty();
    }
    String event = second == first + 1 ? null : payload.substring(first + 1, second);
    try {
      return Optional.of(new Message(topic, id.get(), event, payload.substring(second + 1)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
