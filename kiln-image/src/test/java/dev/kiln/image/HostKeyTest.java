package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.Signature;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HostKeyTest {
  @TempDir Path tmp;

  @Test
  void generatesAPrivateKeyOnlyTheOwnerCanRead() throws Exception {
    Path keys = tmp.resolve("home/keys");
    HostKey key = HostKey.generate(keys);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(keys)))
        .isEqualTo("rwx------");
    assertThat(
            PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("host.key"))))
        .isEqualTo("rw-------");
    assertThat(keys.toFile().list()).containsExactlyInAnyOrder("host.key", "host.pub");
    assertThat(key.keyId()).matches("[0-9a-f]{16}");
    assertThat(Files.readString(keys.resolve("host.pub"))).startsWith("-----BEGIN PUBLIC KEY-----");
  }

  @Test
  void loadsWhatItGeneratedAndSignsVerifiably() throws Exception {
    HostKey made = HostKey.generate(tmp);
    HostKey loaded = HostKey.load(tmp);
    assertThat(loaded.keyId()).isEqualTo(made.keyId());
    byte[] data = "sha256:abc".getBytes(StandardCharsets.UTF_8);
    assertThat(loaded.sign(data)).isEqualTo(made.sign(data)); // Ed25519 is deterministic
    Signature s = Signature.getInstance("Ed25519");
    s.initVerify(HostKey.readPublicKey(tmp.resolve("host.pub")));
    s.update(data);
    assertThat(s.verify(loaded.sign(data))).isTrue();
  }

  @Test
  void refusesToOverwriteUnlessForced() {
    HostKey first = HostKey.generate(tmp);
    assertThatThrownBy(() -> HostKey.generate(tmp))
        .hasMessageContaining("already exists")
        .hasMessageContaining("--force");
    assertThat(HostKey.load(tmp).keyId()).isEqualTo(first.keyId());
    HostKey second = HostKey.generate(tmp, true);
    assertThat(second.keyId()).isNotEqualTo(first.keyId());
    assertThat(HostKey.load(tmp).keyId()).isEqualTo(second.keyId());
  }

  @Test
  void explainsAMissingOrExposedKey() throws Exception {
    assertThat(HostKey.loadIfPresent(tmp)).isEmpty();
    assertThatThrownBy(() -> HostKey.load(tmp))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("run `kiln keygen`");
    HostKey.generate(tmp);
    Files.setPosixFilePermissions(
        tmp.resolve("host.key"), PosixFilePermissions.fromString("rw-r--r--"));
    assertThatThrownBy(() -> HostKey.load(tmp)).hasMessageContaining("chmod 600");
    Files.setPosixFilePermissions(
        tmp.resolve("host.key"), PosixFilePermissions.fromString("rw-------"));
    Files.delete(tmp.resolve("host.pub"));
    assertThatThrownBy(() -> HostKey.load(tmp))
        .hasMessageContaining("host.pub")
        .hasMessageContaining("--force");
  }
}
