package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The apt sources a debian: base is upgraded from. */
class DebianSuitesTest {
  @Test
  void aStableSuite_isUpgradedFromItsUpdatesAndSecuritySuites() {
    assertThat(DebianSuites.names("bookworm"))
        .containsExactly("bookworm", "bookworm-updates", "bookworm-security");
    assertThat(DebianSuites.sourcesList("bookworm"))
        .isEqualTo(
            """
            deb http://deb.debian.org/debian bookworm main
            deb http://deb.debian.org/debian bookworm-updates main
            deb http://deb.debian.org/debian-security bookworm-security main
            """);
  }

  @Test
  void rollingSuites_haveNoUpdatesOrSecuritySuite() {
    assertThat(DebianSuites.names("sid")).containsExactly("sid");
    assertThat(DebianSuites.names("unstable")).containsExactly("unstable");
  }
}
