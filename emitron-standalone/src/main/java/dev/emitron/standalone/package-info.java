/**
 * The standalone emitron server: embedded Jetty 12 serving the HTTP protocol at {@code /}, configured
 * from environment variables.
 *
 * <p>{@link dev.emitron.standalone.Main} is the entry point of the runnable jar
 * ({@code java -jar emitron.jar}); it reads {@link dev.emitron.standalone.ServerConfig#fromEnvironment},
 * starts an {@link dev.emitron.standalone.EmitronServer} and closes it gracefully on SIGTERM. To embed the
 * same server in a program or a test, create one from a {@code ServerConfig} (port 0 picks a free port),
 * {@code start()} it and {@code close()} it; it owns its Jetty server and its
 * {@link dev.emitron.core.Emitron} instance. Arguments and return values are non-null unless documented
 * otherwise.
 */
package dev.emitron.standalone;
