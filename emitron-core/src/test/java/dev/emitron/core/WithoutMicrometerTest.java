package dev.emitron.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;

/** micrometer-core is optional: without it on the class path, emitron works and never touches it. */
class WithoutMicrometerTest {

  private static URL location(Class<?> type) {
    return type.getProtectionDomain().getCodeSource().getLocation();
  }

  @Test
  void emitronPublishesAndCountsNothingWhenMicrometerIsAbsent() throws Exception {
    URL[] path = {location(Emitron.class), location(JsonNode.class), location(JsonFactory.class),
        location(JsonProperty.class), location(Logger.class), location(org.slf4j.simple.SimpleLogger.class)};
    try (URLClassLoader loader = new URLClassLoader(path, ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(() -> loader.loadClass("io.micrometer.core.instrument.MeterRegistry"))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> emitron = loader.loadClass(Emitron.class.getName());
      Object instance = emitron.getMethod("create").invoke(null);
      try {
        Method publish = emitron.getMethod("publish", String.class, Object.class);
        Object published = ((CompletionStage<?>) publish.invoke(instance, "news", "hello"))
            .toCompletableFuture().join();
        assertThat(published.toString()).contains("news");
      } finally {
        ((AutoCloseable) instance).close();
      }
    }
  }
}
