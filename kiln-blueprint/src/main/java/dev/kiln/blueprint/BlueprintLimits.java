package dev.kiln.blueprint;

/**
 * The bounds every blueprint is held to before any parsing work is spent on it. A real blueprint is
 * a few kilobytes and a handful of levels deep; these leave two orders of magnitude of room and
 * keep a hostile file (a 50 MB scalar, 100,000 nested brackets, an alias bomb) from costing more
 * than reading 3 MiB.
 */
final class BlueprintLimits {
  /** The largest blueprint file, in bytes (and so in code points). */
  static final int MAX_BYTES = 3 * 1024 * 1024;

  /** The deepest nesting of mappings and sequences; the deepest real key is about 6 levels. */
  static final int MAX_DEPTH = 64;

  /** Aliases of collections per document: enough for reuse, too few for a billion laughs. */
  static final int MAX_ALIASES = 50;

  static final String SIZE_HINT =
      "a blueprint describes images and services; keep large content in files next to it and"
          + " copy: them into the image";

  private BlueprintLimits() {}

  static String tooLarge(long bytes) {
    return "is "
        + bytes
        + " bytes; a blueprint may be at most "
        + MAX_BYTES
        + " bytes (3 MiB), so it was not parsed";
  }
}
