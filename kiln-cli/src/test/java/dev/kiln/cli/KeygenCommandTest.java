package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.HostKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeygenCommandTest {
  @TempDir Path home;

  @Test
  void createsTheHostKeyAndPrintsItsIdAndPath() throws Exception {
    CliImages.Run r = CliImages.kiln(home, "keygen");
    assertThat(r.exit()).isZero();
    String id = HostKey.load(home.resolve("keys")).keyId();
    assertThat(r.out())
        .contains("key id:      " + id)
        .contains(home.resolve("keys/host.key").toString());
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(home.resolve("keys/host.key"))))
        .isEqualTo("rw-------");
  }

  @Test
  void refusesToOverwriteWithoutForce() {
    CliImages.kiln(home, "keygen");
    String first = HostKey.load(home.resolve("keys")).keyId();
    CliImages.Run again = CliImages.kiln(home, "keygen");
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.err()).startsWith("error: ").contains("already exists").contains("--force");
    assertThat(HostKey.load(home.resolve("keys")).keyId()).isEqualTo(first);
    CliImages.Run forced = CliImages.kiln(home, "keygen", "--force");
    assertThat(forced.exit()).isZero();
    assertThat(HostKey.load(home.resolve("keys")).keyId()).isNotEqualTo(first);
  }
}
