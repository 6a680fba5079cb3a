/**
 * Small runnable programs showing how to use emitron, each checked by a test:
 * {@link dev.emitron.examples.LibraryExample} publishes and subscribes from Java code with no HTTP.
 * The servlet in a host application is in {@code examples/spring-boot}; the standalone server is
 * {@code emitron-standalone}'s jar or the {@code Dockerfile} at the root of the repository.
 */
package dev.emitron.examples;
