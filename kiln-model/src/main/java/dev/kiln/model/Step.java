package dev.kiln.model;

import java.util.Optional;

/** One bake step; each step becomes exactly one layer. */
public sealed interface Step {
  Location at();

  /**
   * Copies a file or folder from the blueprint's folder into the image.
   *
   * @param src relative to the blueprint folder; may not escape it
   * @param dest absolute path in the image
   * @param mode octal permission bits applied to copied files (folders keep 0755), if given
   */
  record Copy(String src, String dest, Optional<Integer> mode, Location at) implements Step {}

  /** A shell command run in a bubblewrap sandbox over the image root; no network unless asked. */
  record Run(String command, boolean network, Location at) implements Step {}
}
