package dev.kiln.gitops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class AllowedSignersTest {
  // an ed25519 public key blob (ssh-keygen -t ed25519), as it appears in a .pub file
  static final String KEY = "AAAAC3NzaC1lZDI1NTE5AAAAIBzGYwTu+W6wVHcmRA866M0s6wSG1JS/5B+C13XBqbdj";

  @Test
  void badLine_isRefusedWithFileAndLine() {
    assertThatThrownBy(
            () ->
                AllowedSigners.parse(
                    Path.of("signers"), "# comment\n\nalice@example.com ssh-ed25519 notbase64!!\n"))
        .hasMessageStartingWith("signers:3: ")
        .hasMessageContaining("base64");
  }

  @Test
  void certAuthority_isRefusedRatherThanIgnored() {
    assertThatThrownBy(
            () ->
                AllowedSigners.parse(
                    Path.of("signers"), "*@example.com cert-authority ssh-ed25519 " + KEY + "\n"))
        .hasMessageContaining("signers:1:")
        .hasMessageContaining("cert-authority");
  }

  @Test
  void emptyFile_trustsNobody_andSaysSo() {
    assertThatThrownBy(() -> AllowedSigners.parse(Path.of("signers"), "# nobody\n"))
        .hasMessageContaining("no signer");
  }

  @Test
  void namespacesAndValidity_limitWhatAKeyMaySign() {
    AllowedSigners s =
        AllowedSigners.parse(
            Path.of("signers"),
            "alice@example.com namespaces=\"file\" ssh-ed25519 "
                + KEY
                + "\n"
                + "\"bob@example.com,carol@example.com\" valid-after=\"20260101Z\",valid-before=\"20270101Z\" ssh-ed25519 "
                + KEY
                + " comment\n");
    byte[] blob = Base64.getDecoder().decode(KEY);
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.principalsFor(blob, "git", Instant.parse("2026-06-01T00:00:00Z")))
        .contains("bob@example.com,carol@example.com");
    assertThat(s.principalsFor(blob, "git", Instant.parse("2025-06-01T00:00:00Z"))).isEmpty();
    assertThat(s.principalsFor(blob, "file", Instant.parse("2025-06-01T00:00:00Z")))
        .contains("alice@example.com");
  }
}
