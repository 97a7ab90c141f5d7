package dev.kiln.cli;

import java.nio.file.Path;

/** Where Kiln keeps its state: $KILN_HOME, or ~/.kiln. */
public final class KilnHome {
  private KilnHome() {}

  public static Path resolve() {
    String env = System.getenv("KILN_HOME");
    if (env != null && !env.isBlank()) return Path.of(env).toAbsolutePath();
    return Path.of(System.getProperty("user.home"), ".kiln");
  }
}
