package dev.kiln.image;

import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Typed reads of a {@code Files.readAttributes(path, "unix:...")} map. On Linux every attribute the
 * view names is present; a file system that leaves one out is refused with a message instead of an
 * unboxing NullPointerException.
 */
final class UnixAttributes {
  private UnixAttributes() {}

  static int integer(Map<String, Object> attributes, String name) {
    return get(attributes, name, Integer.class);
  }

  static long number(Map<String, Object> attributes, String name) {
    return get(attributes, name, Long.class);
  }

  static long nanos(Map<String, Object> attributes, String name) {
    return get(attributes, name, FileTime.class).to(TimeUnit.NANOSECONDS);
  }

  private static <T> T get(Map<String, Object> attributes, String name, Class<T> type) {
    Object value = attributes.get(name);
    if (value == null) {
      throw new ImageException(
          "the file system reports no unix:" + name + " attribute; bake on a Linux file system");
    }
    return type.cast(value);
  }
}
