package dev.kiln.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/** Immutable copies of maps that keep the order they were written in (Map.copyOf does not). */
public final class Ordered {
  private Ordered() {}

  public static <K, V> Map<K, V> copyOf(Map<K, V> map) {
    LinkedHashMap<K, V> copy = new LinkedHashMap<>();
    map.forEach(
        (k, v) ->
            copy.put(
                Objects.requireNonNull(k), Objects.requireNonNull(v, () -> "null value for " + k)));
    return Collections.unmodifiableMap(copy);
  }
}
