package dev.kiln.router;

import dev.kiln.testkit.TestCa;
import java.io.IOException;
import java.nio.file.Files;

/**
 * The router's forms of a {@link TestCa} leaf: its key as {@link KeyPem}, and a {@link TlsSite}.
 */
final class TestSites {
  private TestSites() {}

  static KeyPem keyPem(TestCa.Leaf leaf) throws IOException {
    return KeyPem.of(Files.readAllBytes(leaf.key()));
  }

  static TlsSite site(TestCa.Leaf leaf) throws IOException {
    return TlsSite.of(leaf.chain(), keyPem(leaf));
  }
}
