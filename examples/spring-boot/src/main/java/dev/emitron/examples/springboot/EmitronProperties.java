package dev.emitron.examples.springboot;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.convert.DurationUnit;

/**
 * emitron's settings from {@code application.properties} (prefix {@code emitron.}), with the defaults of
 * the configuration table; Spring's relaxed binding also reads them from the environment
 * ({@code EMITRON_REPLAY_MAX}, ...). Each is handed to the builder that validates it.
 *
 * @param replayMax messages kept per topic ({@link dev.emitron.core.Emitron.Builder#replayMax})
 * @param heartbeat heartbeat interval, in milliseconds unless a unit is given
 *     ({@link dev.emitron.core.Emitron.Builder#heartbeat})
 * @param retry the {@code retry:} value sent to clients, in milliseconds unless a unit is given
 *     ({@link dev.emitron.servlet.EmitronServlet.Builder#retry})
 * @param corsOrigins allowed origins, comma-separated ({@link dev.emitron.servlet.EmitronServlet.Builder#corsOrigins})
 * @param maxBodyBytes largest publish body ({@link dev.emitron.servlet.EmitronServlet.Builder#maxBodyBytes})
 * @param redisUrl the Redis URL; empty selects the in-memory transport. {@code application.properties}
 *     sets it from {@code REDIS_URL}
 * @param channelPrefix prefix of every Redis key and channel
 * @param shutdownGrace how long shutdown waits for open streams to end cleanly, in milliseconds unless a
 *     unit is given
 */
@ConfigurationProperties("emitron")
public record EmitronProperties(
    @DefaultValue("100") int replayMax,
    @DefaultValue("15000") @DurationUnit(java.time.temporal.ChronoUnit.MILLIS) Duration heartbeat,
    @DefaultValue("10000") @DurationUnit(java.time.temporal.ChronoUnit.MILLIS) Duration retry,
    @DefaultValue("*") List<String> corsOrigins,
    @DefaultValue("1048576") int maxBodyBytes,
    @DefaultValue("") String redisUrl,
    @DefaultValue("emitron") String channelPrefix,
    @DefaultValue("5000") @DurationUnit(java.time.temporal.ChronoUnit.MILLIS) Duration shutdownGrace) {
}
