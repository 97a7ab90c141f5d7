package dev.kiln.model;

import java.nio.file.Path;

/**
 * Where in a blueprint file something was written (1-based line and column), for located errors.
 */
public record Location(Path file, int line, int column) {
  public static final Location UNKNOWN = new Location(Path.of("<unknown>"), 0, 0);

  @Override
  public String toString() {
    return file + ":" + line + ":" + column;
  }
}
