package dev.kiln.router;

import org.jspecify.annotations.Nullable;

/** Reads one cookie out of a Cookie header without splitting the whole header. */
final class Cookies {
  private Cookies() {}

  /** The value of cookie {@code name}, or null. */
  static @Nullable String value(String header, String name) {
    int n = name.length();
    int i = 0;
    int len = header.length();
    while (i < len) {
      while (i < len && (header.charAt(i) == ' ' || header.charAt(i) == ';')) i++;
      int end = header.indexOf(';', i);
      if (end < 0) end = len;
      if (end - i > n && header.charAt(i + n) == '=' && header.regionMatches(i, name, 0, n)) {
        String v = header.substring(i + n + 1, end).trim();
        if (v.length() >= 2 && v.charAt(0) == '"' && v.charAt(v.length() - 1) == '"') {
          v = v.substring(1, v.length() - 1);
        }
        return v.isEmpty() ? null : v;
      }
      i = end + 1;
    }
    return null;
  }
}
