package dev.emitron.redis;

import dev.emitron.core.Topic;

/**
 * Names of a topic's Redis key and channel: {@code <prefix>:{<topic>}:buf} and
 * {@code <prefix>:{<topic>}:live}.
 *
 * <p>The topic sits inside a Redis Cluster hash tag, so key and channel share a slot. Redis takes the
 * tag up to the first {@code }}, so the topic is written with {@code %} as {@code %25} and {@code }} as
 * {@code %7D}: the encoding is reversible and the tag always ends at our own brace. The prefix holds no
 * brace ({@link RedisOptions.Builder#channelPrefix} refuses one), so the tag is always the topic's.
 */
final class Keys {

  private final String prefix;
  private final String channelStart;

  Keys(String prefix) {
    this.prefix = prefix;
    this.channelStart = prefix + ":{";
  }

  String stream(Topic topic) {
    return prefix + ":{" + encode(topic.name()) + "}:buf";
  }

  String channel(Topic topic) {
    return prefix + ":{" + encode(topic.name()) + "}:live";
  }

  /** Returns the topic of one of our channels, or {@code null} for any other channel. */
  /* @Nullable */ Topic topicOf(String channel) {
    if (!channel.startsWith(channelStart) || !channel.endsWith("}:live")) {
      return null;
    }
    String encoded = channel.substring(channelStart.length(), channel.length() - "}:live".length());
    if (encoded.indexOf('}') >= 0) {
      return null;
    }
    try {
      return Topic.of(decode(encoded));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  static String encode(String name) {
    if (name.indexOf('%') < 0 && name.indexOf('}') < 0) {
      return name;
    }
    StringBuilder out = new StringBuilder(name.length() + 8);
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      switch (c) {
        case '%' -> out.append("%25");
        case '}' -> out.append("%7D");
        default -> out.append(c);
      }
    }
    return out.toString();
  }

  static String decode(String encoded) {
    if (encoded.indexOf('%') < 0) {
      return encoded;
    }
    StringBuilder out = new StringBuilder(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%' && encoded.startsWith("%25", i)) {
        out.append('%');
        i += 2;
      } else if (c == '%' && encoded.startsWith("%7D", i)) {
        out.append('}');
        i += 2;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
