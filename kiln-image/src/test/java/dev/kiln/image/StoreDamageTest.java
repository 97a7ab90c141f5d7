package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store stays usable around one bad object, and a lost index is never an empty store. */
class StoreDamageTest {
  @TempDir Path tmp;
  Path dir;
  ImageStore store;
  Descriptor a;
  Descriptor b;
  Descriptor c;

  @BeforeEach
  void threeTaggedImages() {
    dir = tmp.resolve("images");
    store = ImageStore.open(dir);
    a = TestImages.simple(store, "a");
    b = TestImages.simple(store, "b");
    c = TestImages.simple(store, "c");
    store.tag("a", a);
    store.tag("b", b);
    store.tag("c", c);
  }

  @Test
  void aCorruptManifest_isListedAsDamaged_andTheOthersAreReadable() throws Exception {
    Files.writeString(store.path(b.digest()), "{\"tampered\":true}");

    List<StoredImage> images = store.images();

    assertThat(images).extracting(StoredImage::name).containsExactly("a", "b", "c");
    assertThat(images.get(0)).isInstanceOf(StoredImage.Readable.class);
    assertThat(images.get(2)).isInstanceOf(StoredImage.Readable.class);
    assertThat(images.get(1))
        .isInstanceOfSatisfying(
            StoredImage.Damaged.class,
            d -> assertThat(d.reason()).contains("blob " + b.digest() + " is corrupt"));
  }

  @Test
  void aMissingManifestBlob_isNamed() throws Exception {
    Files.delete(store.path(b.digest()));

    assertThat(store.images().get(1))
        .isInstanceOfSatisfying(
            StoredImage.Damaged.class,
            d -> assertThat(d.reason()).isEqualTo(missing(b.digest().toString())));
    assertThat(store.images().get(0)).isInstanceOf(StoredImage.Readable.class);
  }

  @Test
  void aCorruptConfig_isNamed() throws Exception {
    ImageManifest m = store.manifest(b.digest());
    Files.writeString(store.path(m.config().digest()), "{}");

    assertThat(damagedReason("b")).contains("blob " + m.config().digest() + " is corrupt");
  }

  @Test
  void aMissingOrTruncatedLayer_isNamed() throws Exception {
    Descriptor layerOfB = store.manifest(b.digest()).layers().get(0);
    Descriptor layerOfC = store.manifest(c.digest()).layers().get(0);
    Files.delete(store.path(layerOfB.digest()));
    Files.write(store.path(layerOfC.digest()), new byte[] {1, 2, 3});

    assertThat(damagedReason("b")).isEqualTo("layer " + layerOfB.digest() + " is missing");
    assertThat(damagedReason("c"))
        .isEqualTo(
            "layer " + layerOfC.digest() + " has 3 bytes, its manifest says " + layerOfC.size());
    assertThat(store.images().get(0)).isInstanceOf(StoredImage.Readable.class);
  }

  @Test
  void aCorruptSignatureOfOneImage_doesNotHideTheSignaturesOfOthers() {
    HostKey key = HostKey.generate(tmp.resolve("keys"));
    ImageSigner.sign(store, a, key);
    ImageSigner.sign(store, b, key);
    Descriptor sigOfB = store.referrers(b.digest(), Optional.of(MediaTypes.KILN_SIGNATURE)).get(0);
    corrupt(store.path(sigOfB.digest()));

    assertThat(store.referrers(a.digest(), Optional.of(MediaTypes.KILN_SIGNATURE))).hasSize(1);
    assertThat(ImageSigner.verifySignature(store, a.digest(), key.publicKey()).valid()).isTrue();
    assertThat(store.referrers(b.digest(), Optional.of(MediaTypes.KILN_SIGNATURE))).isEmpty();
    assertThat(ImageSigner.verifySignature(store, b.digest(), key.publicKey()).valid()).isFalse();
  }

  @Test
  void aZeroByteIndex_withBlobs_isAnErrorWithARepairHint_andChangesNothing() throws Exception {
    Path index = dir.resolve("index.json");
    Files.write(index, new byte[0]);

    assertThatThrownBy(store::tagged)
        .isInstanceOf(ImageException.class)
        .hasMessageStartingWith(index + " is empty (0 bytes), but the store holds ")
        .hasMessageContaining("the image names are lost")
        .hasMessageContaining("Restore index.json from a backup, or move the store aside (mv")
        .hasMessageContaining("kiln bake");
    assertThatThrownBy(() -> store.resolve("a")).isInstanceOf(ImageException.class);
    assertThatThrownBy(() -> store.tag("d", a)).isInstanceOf(ImageException.class);
    assertThatThrownBy(() -> ImageStore.open(dir).images()).isInstanceOf(ImageException.class);
    assertThat(index).isEmptyFile();
  }

  @Test
  void anUnparsableIndex_withBlobs_isAnError() throws Exception {
    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manif");
    assertThatThrownBy(store::index).hasMessageContaining("index.json cannot be read: ");

    Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2}");
    assertThatThrownBy(store::index).hasMessageContaining("index.json has no \"manifests\" list");

    Files.writeString(dir.resolve("index.json"), "{\"manifests\":[{\"digest\":\"md5:x\"}]}");
    assertThatThrownBy(store::index).hasMessageContaining("index.json cannot be read: ");
  }

  @Test
  void aMissingIndex_withBlobs_refusesToOpen_ratherThanStartingEmpty() throws Exception {
    Files.delete(dir.resolve("index.json"));

    assertThatThrownBy(() -> ImageStore.open(dir))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("index.json is missing, but the store holds");
    assertThat(dir.resolve("index.json")).doesNotExist();
  }

  @Test
  void aZeroByteIndex_withoutBlobs_isAnEmptyStore() throws Exception {
    Path fresh = tmp.resolve("fresh");
    ImageStore.open(fresh);
    Files.write(fresh.resolve("index.json"), new byte[0]);

    ImageStore reopened = ImageStore.open(fresh);

    assertThat(reopened.images()).isEmpty();
    Descriptor d = TestImages.simple(reopened, "d");
    reopened.tag("d", d);
    assertThat(reopened.resolve("d")).contains(reopened.tagged().get(0));
  }

  private String damagedReason(String name) {
    StoredImage image =
        store.images().stream().filter(i -> i.name().equals(name)).findFirst().orElseThrow();
    assertThat(image).isInstanceOf(StoredImage.Damaged.class);
    return ((StoredImage.Damaged) image).reason();
  }

  private String missing(String digest) {
    return "blob " + digest + " is missing from image store " + dir;
  }

  private static void corrupt(Path blob) {
    try {
      byte[] bytes = Files.readAllBytes(blob);
      bytes[bytes.length / 2] ^= 1;
      Files.write(blob, bytes);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
