package dev.emitron.core;

import java.util.List;
import java.util.Objects;

/**
 * An atomic read of a topic's replay buffer.
 *
 * @param messages the messages read, oldest first
 * @param head the id of the last message ever published to the topic ({@link MessageId#ZERO} if none),
 *     even when the buffer no longer holds it
 * @param oldest the oldest id the buffer still holds, or {@code null} when it is empty
 * @param complete for a read after an id: whether every message published after that id is in
 *     {@code messages}; always {@code true} for a read of the newest messages
 */
public record Replay(List<Message> messages, MessageId head, /* @Nullable */ MessageId oldest, boolean complete) {

  /** Copies the list. */
  public Replay {
    messages = List.copyOf(messages);
    Objects.requireNonNull(head, "head");
  }
}
