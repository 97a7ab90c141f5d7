package dev.kiln.image;

import java.nio.file.Path;

/** Where tests keep debootstrap roots between runs (made on first use, so correct when absent). */
final class DebianFixture {
  static final Path CACHE = Path.of("/var/tmp/kiln-test-debian-cache");

  private DebianFixture() {}
}
