# syntax=docker/dockerfile:1
# The standalone emitron server. Build: docker build -t emitron .   Run: docker run -p 3000:3000 emitron
# Configuration is the environment of DESIGN §4 (PORT, REDIS_URL, HEARTBEAT_MS, REPLAY_MAX, ...).
# CI does not build this image (no Docker engine there); the build it runs is the same Maven build.

FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 \
    ./mvnw -q -B -pl emitron-standalone -am -DskipTests package \
 && cp emitron-standalone/target/emitron.jar /emitron.jar

FROM eclipse-temurin:17-jre
# curl for the health check (the Temurin images ship it today; installed explicitly so it stays).
RUN apt-get update \
 && apt-get install -y --no-install-recommends curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 emitron \
 && useradd --system --uid 10001 --gid emitron --no-create-home --shell /usr/sbin/nologin emitron
COPY --from=build /emitron.jar /app/emitron.jar
USER emitron:emitron
ENV PORT=3000 \
    JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75 -XX:+ExitOnOutOfMemoryError"
EXPOSE 3000
# /health answers 503 when Redis does not answer, which marks the container unhealthy.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD curl -fsS -o /dev/null "http://127.0.0.1:${PORT}/health" || exit 1
# Exec form: java is PID 1 and gets SIGTERM, so the server shuts down gracefully (SHUTDOWN_GRACE_MS).
ENTRYPOINT ["java", "-jar", "/app/emitron.jar"]
