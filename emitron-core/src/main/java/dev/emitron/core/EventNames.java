package dev.emitron.core;

/** The grammar of SSE event names a publisher may use: 1 to 64 of {@code [A-Za-z0-9_.:-]}. */
final class EventNames {

  static final int MAX_LENGTH = 64;
  static final String RESERVED_PREFIX = "emitron.";

  private EventNames() {
  }

  /**
   * Returns why {@code name} cannot be used, or {@code null} when it can.
   *
   * @param allowReserved whether names starting with {@code emitron.} are allowed (only emitron itself)
   */
  static String problem(String name, boolean allowReserved) {
    if (name.isEmpty() || name.length() > MAX_LENGTH) {
      return "event name must be 1 to " + MAX_LENGTH + " characters";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
          || c == '_' || c == '.' || c == ':' || c == '-';
      if (!ok) {
        return "event name may only contain letters, digits and _ . : -";
      }
    }
    if (!allowReserved && name.startsWith(RESERVED_PREFIX)) {
      return "event names starting with 'emitron.' are reserved";
    }
    return null;
  }
}
