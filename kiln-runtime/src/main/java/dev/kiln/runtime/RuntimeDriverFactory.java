package dev.kiln.runtime;

/**
 * Creates a driver; implementations are listed in {@code
 * META-INF/services/dev.kiln.runtime.RuntimeDriverFactory} and found by {@link RuntimeDrivers}.
 */
public interface RuntimeDriverFactory {
  /** The name blueprints use ({@code process}, {@code docker}). */
  String name();

  RuntimeDriver create(DriverContext context);
}
