package dev.kiln.gitops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class GpgKeysTest {
  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aFileWithoutAKey_isRefused_nothingCouldPass() {
    assertThatThrownBy(() -> GpgKeys.parse(Path.of("keys.asc"), b("# nobody\n")))
        .isInstanceOf(GitOpsException.class)
        .hasMessageContaining("keys.asc: no OpenPGP public key")
        .hasMessageContaining("gpg --armor --export");
  }

  @Test
  void aPrivateKey_isRefused() {
    assertThatThrownBy(
            () ->
                GpgKeys.parse(
                    Path.of("keys.asc"),
                    b(
                        "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nxyz\n-----END PGP PRIVATE KEY BLOCK-----\n")))
        .isInstanceOf(GitOpsException.class)
        .hasMessageContaining("private key");
  }

  @Test
  void aTruncatedBlock_isRefused_namingTheBlock() {
    assertThatThrownBy(
            () ->
                GpgKeys.parse(
                    Path.of("keys.asc"),
                    b(GpgKeys.ARMOR_BEGIN + "\n\nmDMEZ\n-----END PGP PUBLIC KEY BLOCK-----\n")))
        .isInstanceOf(GitOpsException.class)
        .hasMessageContaining("keys.asc: key block 1");
  }
}
