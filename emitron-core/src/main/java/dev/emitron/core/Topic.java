package dev.emitron.core;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The name of a topic: 1 to {@value #MAX_BYTES} bytes of UTF-8 with no control characters and no
 * {@code .} or {@code ..} path segment.
 *
 * <p>Dot segments are refused because HTTP clients and proxies normalise them away, so a topic named
 * {@code a/..} could never be reached the same way on every route. A name is never a pattern: {@code *}
 * and {@code ?} are ordinary characters.
 *
 * <pre>{@code
 * Topic news = Topic.of("news/sports");
 * }</pre>
 *
 * @param name the decoded topic name
 */
public record Topic(String name) implements Comparable<Topic> {

  /** The largest topic name, in UTF-8 bytes. */
  public static final int MAX_BYTES = 256;

  /**
   * Validates the name.
   *
   * @throws IllegalArgumentException with a sentence saying what is wrong with the name
   */
  public Topic {
    Objects.requireNonNull(name, "name");
    String problem = problem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
  }

  /**
   * Returns the topic with this name.
   *
   * @throws IllegalArgumentException if the name breaks the grammar
   */
  public static Topic of(String name) {
    return new Topic(name);
  }

  /** Returns a sentence saying why {@code name} is not a valid topic, or {@code null} when it is. */
  static String problem(String name) {
    if (name.isEmpty()) {
      return "topic name is empty";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        return "topic name contains a control character (U+" + String.format("%04X", (int) c) + ")";
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < name.length()
            && Character.isLowSurrogate(name.charAt(i + 1));
        if (!paired) {
          return "topic name contains an unpaired surrogate";
        }
        i++;
      }
    }
    int bytes = name.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > MAX_BYTES) {
      return "topic name is " + bytes + " bytes of UTF-8, more than " + MAX_BYTES;
    }
    for (String segment : name.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        return "topic name contains a '" + segment + "' path segment";
      }
    }
    return null;
  }

  @Override
  public int compareTo(Topic other) {
    return name.compareTo(other.name);
  }

  @Override
  public String toString() {
    return name;
  }
}
