package dev.emitron.standalone;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Finds a program the tests drive (chromium, chromedriver, nginx). When it is missing the test is
 * skipped with a message, unless {@code <variable>=true} in the environment (set by {@code .ci/run}) or
 * the system property of the same name in lower case with dots, which make it fail instead.
 */
final class ExternalTool {

  private ExternalTool() {
  }

  /**
   * Returns the first of {@code candidates} (absolute paths, or names looked up on the PATH) that is an
   * executable file; skips or fails the test when there is none.
   *
   * @param requireVariable for example {@code EMITRON_REQUIRE_BROWSER}
   * @param install how to install it, for the message
   */
  static Path require(String requireVariable, String install, List<String> candidates) {
    for (String candidate : candidates) {
      Path found = find(candidate);
      if (found != null) {
        return found;
      }
    }
    String message = "none of " + candidates + " is installed (" + install + ")";
    String property = requireVariable.toLowerCase(Locale.ROOT).replace('_', '.');
    if ("true".equalsIgnoreCase(System.getenv(requireVariable)) || Boolean.getBoolean(property)) {
      fail(message + "; failing because " + requireVariable + "=true");
    }
    assumeTrue(false, message + ": skipping (set " + requireVariable + "=true to fail instead)");
    throw new IllegalStateException("unreachable");
  }

  static /* @Nullable */ Path find(String candidate) {
    if (candidate.contains("/")) {
      Path path = Path.of(candidate);
      return Files.isRegularFile(path) && Files.isExecutable(path) ? path : null;
    }
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "" : path + File.pathSeparator + "/usr/sbin:/sbin")
        .split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path file = Path.of(dir, candidate);
      if (Files.isRegularFile(file) && Files.isExecutable(file)) {
        return file;
      }
    }
    return null;
  }
}
