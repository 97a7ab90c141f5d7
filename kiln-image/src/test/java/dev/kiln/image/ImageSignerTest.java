package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageSignerTest {
  @TempDir Path tmp;
  ImageStore store;
  Descriptor image;
  HostKey key;

  @BeforeEach
  void setUp() {
    store = ImageStore.open(tmp.resolve("store"));
    image = TestImages.simple(store, "hello");
    store.tag("web", image);
    key = HostKey.generate(tmp.resolve("keys"));
  }

  @Test
  void aSignedImageVerifiesAgainstTheSigningKey() {
    Descriptor sig = ImageSigner.sign(store, image, key);
    assertThat(sig.artifactType()).contains(MediaTypes.KILN_SIGNATURE);
    assertThat(store.referrers(image.digest(), Optional.of(MediaTypes.KILN_SIGNATURE)))
        .containsExactly(sig);
    ImageManifest artifact = store.manifest(sig.digest());
    assertThat(artifact.subject().orElseThrow().digest()).isEqualTo(image.digest());
    assertThat(artifact.config().mediaType()).isEqualTo(MediaTypes.EMPTY_CONFIG);
    assertThat(new String(store.read(artifact.config().digest()), StandardCharsets.UTF_8))
        .isEqualTo("{}");
    Verification v = ImageSigner.verify(store, image.digest(), key.publicKey());
    assertThat(v).isEqualTo(Verification.ok(key.keyId()));
    assertThat(store.tagged()).extracting(d -> d.refName().orElseThrow()).containsExactly("web");
  }

  @Test
  void signingIsDeterministic() {
    assertThat(ImageSigner.sign(store, image, key)).isEqualTo(ImageSigner.sign(store, image, key));
    assertThat(store.referrers(image.digest(), Optional.empty())).hasSize(1);
  }

  @Test
  void reportsUnsignedWrongKeyAndForgedSignaturesAsData() throws Exception {
    Verification unsigned = ImageSigner.verify(store, image.digest(), key.publicKey());
    assertThat(unsigned.valid()).isFalse();
    assertThat(unsigned.reason()).contains("not signed");

    HostKey other = HostKey.generate(tmp.resolve("other"));
    ImageSigner.sign(store, image, other);
    Verification wrongKey = ImageSigner.verify(store, image.digest(), key.publicKey());
    assertThat(wrongKey.valid()).isFalse();
    assertThat(wrongKey.reason())
        .contains("signed by key " + other.keyId())
        .contains("not by the trusted key " + key.keyId());
    assertThat(wrongKey.keyId()).contains(other.keyId());

    // A signature copied from another image does not verify this one.
    Descriptor second = TestImages.simple(store, "other content");
    Descriptor sig = ImageSigner.sign(store, second, key);
    ImageManifest artifact = store.manifest(sig.digest());
    ImageManifest moved =
        new ImageManifest(
            artifact.config(),
            artifact.layers(),
            artifact.annotations(),
            artifact.artifactType(),
            Optional.of(new Descriptor(MediaTypes.MANIFEST, image.digest(), image.size())));
    store.addReferrer(store.putManifest(moved));
    Verification forged = ImageSigner.verify(store, image.digest(), key.publicKey());
    assertThat(forged.valid()).isFalse();
    assertThat(forged.reason()).contains("for another image");
  }

  @Test
  void aCorruptLayerFailsVerificationNamingTheBlob() throws Exception {
    ImageSigner.sign(store, image, key);
    Digest layer = store.manifest(image.digest()).layers().get(0).digest();
    byte[] blob = Files.readAllBytes(store.path(layer));
    blob[600] ^= 1;
    Files.write(store.path(layer), blob);
    Verification v = ImageSigner.verify(store, image.digest(), key.publicKey());
    assertThat(v.valid()).isFalse();
    assertThat(v.reason()).contains(layer.toString()).contains("corrupt");
  }
}
