package dev.emitron.core;

/**
 * The outcome of a publish, from {@link Emitron#publish}: the message is stored in the replay buffer and
 * handed to the live feed. Immutable.
 *
 * @param topic the topic
 * @param id the id the transport assigned
 * @param transportReceivers the number of instances the transport delivered it to, or -1 where the
 *     transport has no such notion (in-memory)
 * @param localSubscribers the number of subscribers of the topic on this instance
 */
public record Published(Topic topic, MessageId id, long transportReceivers, int localSubscribers) {
}
