package dev.emitron.servlet;

import java.util.List;

/**
 * A topic pattern of a token's grants: an exact name, {@code *} for exactly one path segment, and a
 * final {@code **} for one or more further segments ({@code **} alone matches every topic).
 */
final class TopicPattern {

  private final String[] segments;

  private TopicPattern(String pattern) {
    this.segments = pattern.split("/", -1);
  }

  static TopicPattern of(String pattern) {
    return new TopicPattern(pattern);
  }

  static boolean anyMatches(List<TopicPattern> patterns, String topic) {
    String[] parts = topic.split("/", -1);
    for (TopicPattern pattern : patterns) {
      if (pattern.matches(parts)) {
        return true;
      }
    }
    return false;
  }

  boolean matches(String topic) {
    return matches(topic.split("/", -1));
  }

  private boolean matches(String[] parts) {
    for (int i = 0; i < segments.length; i++) {
      String segment = segments[i];
      if (segment.equals("**") && i == segments.length - 1) {
        return parts.length > i;
      }
      if (i >= parts.length) {
        return false;
      }
      if (!segment.equals("*") && !segment.equals(parts[i])) {
        return false;
      }
    }
    return parts.length == segments.length;
  }
}
