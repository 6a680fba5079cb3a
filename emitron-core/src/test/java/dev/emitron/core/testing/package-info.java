/**
 * Test support shared by every module: a Server-Sent Events client that behaves like a browser, so that
 * the HTTP protocol is tested end to end over real sockets.
 *
 * <ul>
 *   <li>{@link dev.emitron.core.testing.SseEventReader} parses a {@code text/event-stream} exactly as the
 *       WHATWG HTML spec says ({@link dev.emitron.core.testing.SseEventReaderTest} has one test per rule).</li>
 *   <li>{@link dev.emitron.core.testing.SseClient} opens {@code GET} over a plain socket, records events
 *       and comments on blocking queues ({@code takeEvent}, {@code assertExhausted}: never sleep), keeps
 *       the last event id and reconnects with {@code Last-Event-ID} as a browser does.</li>
 *   <li>{@link dev.emitron.core.testing.RawHttp} sends one request byte for byte (no path normalisation,
 *       any body framing) and reads the response.</li>
 *   <li>{@link dev.emitron.core.testing.ProtocolTestKit} is the whole HTTP protocol as one abstract test
 *       class; a server proves itself by extending it (the standalone server on each transport, the
 *       servlet in Spring Boot). Targets are relative to where the servlet is mounted: a base URI with a
 *       path ({@code http://host:port/events/}) prefixes it to them.</li>
 * </ul>
 */
package dev.emitron.core.testing;
