package dev.emitron.core;

/**
 * The result of a health check, from {@link Emitron#health()}. Immutable.
 *
 * @param up whether the transport answered in time
 * @param transport the transport's name ({@code memory}, {@code redis})
 */
public record Health(boolean up, String transport) {
}
