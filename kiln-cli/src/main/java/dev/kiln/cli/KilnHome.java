package dev.kiln.cli;

import java.nio.file.Path;

/** Where Kiln keeps its state: $KILN_HOME, or ~/.kiln ({@code kiln.home} overrides, for tests). */
public final class KilnHome {
  private KilnHome() {}

  public static Path resolve() {
    String prop = System.getProperty("kiln.home");
    if (prop != null && !prop.isBlank()) return Path.of(prop).toAbsolutePath();
    String env = System.getenv("KILN_HOME");
    if (env != null && !env.isBlank()) return Path.of(env).toAbsolutePath();
    return Path.of(System.getProperty("user.home"), ".kiln");
  }
}
