package dev.kiln.runtime;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * What a driver is created with.
 *
 * @param home {@code $KILN_HOME}; drivers keep their state under {@code instances/}, {@code
 *     rootfs/} and {@code volumes/}
 * @param options driver-specific settings, e.g. {@code sandbox=none} for the process driver
 */
public record DriverContext(
    Path home, Clock clock, ImageSource images, Map<String, String> options) {
  public DriverContext {
    options = Map.copyOf(options);
  }

  public DriverContext(Path home, Clock clock, ImageSource images) {
    this(home, clock, images, Map.of());
  }

  /**
   * These options over those in {@code $KILN_HOME/<fileName>} (Java properties): the server creates
   * drivers without options, so a driver that needs some (a registry, an API server) reads them
   * there.
   */
  public DriverContext withOptionsFile(String fileName) {
    Path file = home.resolve(fileName);
    if (!java.nio.file.Files.isRegularFile(file)) return this;
    java.util.Properties properties = new java.util.Properties();
    try (var in = java.nio.file.Files.newBufferedReader(file)) {
      properties.load(in);
    } catch (java.io.IOException e) {
      throw new RuntimeDriverException(
          "cannot read driver options " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> merged = new java.util.HashMap<>();
    properties.stringPropertyNames().forEach(k -> merged.put(k, properties.getProperty(k).strip()));
    merged.putAll(options);
    return new DriverContext(home, clock, images, merged);
  }

  public Optional<String> option(String name) {
    return Optional.ofNullable(options.get(name));
  }

  public Path instancesDir() {
    return home.resolve("instances");
  }

  public Path instanceDir(InstanceId id) {
    return instancesDir().resolve(id.value());
  }

  /** A service's volume: shared by its successive instances, so it survives replacement. */
  public Path volumeDir(String service, String volume) {
    return home.resolve("volumes").resolve(service).resolve(volume);
  }
}
