package dev.emitron.examples.springboot;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * emitron's servlet in a Spring Boot application: the HTTP protocol under {@code /events/}, beside the
 * application's own controller ({@code POST /orders}) that publishes through the Java API.
 *
 * <p>Run it with {@code ./mvnw -q -pl examples/spring-boot -am test-compile exec:java}, or
 * {@code java -jar examples/spring-boot/target/emitron-example-spring-boot-*.jar} after
 * {@code ./mvnw -q -pl examples/spring-boot -am -DskipTests package}; then
 * {@code curl -N localhost:8080/events/sub/orders} in one terminal and
 * {@code curl -H 'Content-Type: application/json' -d '{"item":"book","quantity":2}' localhost:8080/orders}
 * in another.
 */
@SpringBootApplication
@EnableConfigurationProperties(EmitronProperties.class)
public class SpringBootExample {

  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(SpringBootExample.class, args);
  }
}
