package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyCommandTest {
  @TempDir Path home;
  ImageStore store;
  Descriptor web;

  @BeforeEach
  void setUp() {
    store = ImageStore.open(home.resolve("images"));
    web = CliImages.image(store, "web", Map.of());
    store.tag("web", web);
  }

  @Test
  void okForAnImageSignedByTheHostKey() {
    HostKey key = HostKey.generate(home.resolve("keys"));
    ImageSigner.sign(store, web, key);
    CliImages.Run r = CliImages.kiln(home, "verify", "web");
    assertThat(r.exit()).isZero();
    assertThat(r.out().strip())
        .isEqualTo("web " + web.digest() + " signed by " + key.keyId() + ": ok");
    assertThat(CliImages.kiln(home, "verify", web.digest().hex().substring(0, 12)).exit()).isZero();
  }

  @Test
  void failsWithTheReason() throws Exception {
    HostKey.generate(home.resolve("keys"));
    CliImages.Run unsigned = CliImages.kiln(home, "verify", "web");
    assertThat(unsigned.exit()).isEqualTo(1);
    assertThat(unsigned.err()).contains("not signed");

    HostKey other = HostKey.generate(home.resolve("other"));
    ImageSigner.sign(store, web, other);
    CliImages.Run wrongKey = CliImages.kiln(home, "verify", "web");
    assertThat(wrongKey.exit()).isEqualTo(1);
    assertThat(wrongKey.err()).contains("signed by key " + other.keyId());
    CliImages.Run withKey =
        CliImages.kiln(home, "verify", "web", "--key", home.resolve("other/host.pub").toString());
    assertThat(withKey.exit()).isZero();

    Digest layer = store.manifest(web.digest()).layers().get(0).digest();
    byte[] blob = Files.readAllBytes(store.path(layer));
    blob[520] ^= 1;
    Files.write(store.path(layer), blob);
    CliImages.Run corrupt =
        CliImages.kiln(home, "verify", "web", "--key", home.resolve("other/host.pub").toString());
    assertThat(corrupt.exit()).isEqualTo(1);
    assertThat(corrupt.err()).contains(layer.toString()).contains("corrupt");
  }

  @Test
  void explainsAMissingImageOrKey() {
    CliImages.Run noKey = CliImages.kiln(home, "verify", "web");
    assertThat(noKey.exit()).isEqualTo(1);
    assertThat(noKey.err()).contains("run `kiln keygen`");
    HostKey.generate(home.resolve("keys"));
    CliImages.Run missing = CliImages.kiln(home, "verify", "nope");
    assertThat(missing.exit()).isEqualTo(1);
    assertThat(missing.err()).contains("no image 'nope'").contains("kiln images");
  }
}
