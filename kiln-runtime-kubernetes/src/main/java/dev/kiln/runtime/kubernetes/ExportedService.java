package dev.kiln.runtime.kubernetes;

import dev.kiln.model.Digest;
import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A service at its live revision, as {@code kiln export kubernetes} reads it from the API.
 *
 * @param config the revision's config as the API shows it, flat and sorted: {@code env.NAME},
 *     {@code secrets} (comma-separated names), {@code volumes.NAME} (mount path), {@code health}
 *     (e.g. {@code http /healthz 200 interval=PT1S timeout=PT1S healthy=1 unhealthy=3
 *     start-deadline=PT1M}), ...
 */
public record ExportedService(
    String name, int revision, int replicas, Digest image, SortedMap<String, String> config) {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");

  public ExportedService {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("bad service name: " + name);
    }
    if (revision < 1 || replicas < 0 || image == null) {
      throw new IllegalArgumentException(
          "service " + name + ": needs a live revision >= 1, replicas >= 0 and an image");
    }
    config = Collections.unmodifiableSortedMap(new TreeMap<>(config));
  }
}
