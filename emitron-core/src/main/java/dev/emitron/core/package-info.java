/**
 * emitron's core: publish JSON messages to topics and subscribe to them over any transport.
 *
 * <p>Start with {@link dev.emitron.core.Emitron}: {@code Emitron.create()} gives an instance with the
 * in-memory transport; {@link dev.emitron.core.Emitron#publish} stores a message in the topic's replay
 * buffer and hands it to every subscriber; {@link dev.emitron.core.Emitron#subscribe} with
 * {@link dev.emitron.core.SubscribeOptions} starts live, after a replay, or resumed after a message id,
 * and calls a {@link dev.emitron.core.SubscriptionListener}.
 *
 * <p>Every message carries a {@link dev.emitron.core.MessageId} assigned by the
 * {@link dev.emitron.core.Transport}. The delivery guarantee: a subscriber's messages are gapless,
 * duplicate-free and in publish order, across the seam between replay and live and across a resume,
 * for as long as the missed messages are still in the buffer; otherwise
 * {@link dev.emitron.core.StreamStart#gap()} says so.
 *
 * <p>{@link dev.emitron.core.SseEncoder} writes the Server-Sent Events frames the servlet sends.
 * Arguments and return values are non-null unless documented otherwise.
 */
package dev.emitron.core;
