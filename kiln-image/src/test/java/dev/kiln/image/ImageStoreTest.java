package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {
  @TempDir Path tmp;
  ImageStore store;

  @BeforeEach
  void setUp() {
    store = ImageStore.open(tmp.resolve("images"));
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void createsAnOciLayoutAndReopensIt() throws Exception {
    assertThat(tmp.resolve("images/oci-layout")).hasContent("{\"imageLayoutVersion\":\"1.0.0\"}");
    assertThat(tmp.resolve("images/index.json"))
        .hasContent(
            "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[]}");
    Descriptor m = TestImages.simple(store, "x");
    store.tag("web", m);
    assertThat(ImageStore.open(tmp.resolve("images")).resolve("web")).isPresent();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(store.path(m.digest()))))
        .isEqualTo("rw-r--r--");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(tmp.resolve("images/index.json"))))
        .isEqualTo("rw-r--r--");
  }

  @Test
  void storesBlobsByDigestOnce() throws Exception {
    Descriptor a = store.put("text/plain", bytes("hello"));
    Descriptor b = store.put("text/plain", bytes("hello"));
    assertThat(a).isEqualTo(b);
    assertThat(a.digest()).isEqualTo(Digest.of(bytes("hello")));
    assertThat(a.size()).isEqualTo(5);
    assertThat(store.has(a.digest())).isTrue();
    assertThat(store.read(a.digest())).isEqualTo(bytes("hello"));
    try (var files = Files.list(tmp.resolve("images/blobs/sha256"))) {
      assertThat(files.count()).isEqualTo(1);
    }
    try (var files = Files.list(tmp.resolve("images/.tmp"))) {
      assertThat(files.count()).isZero();
    }
  }

  @Test
  void writingATruncatedBlobAgainRepairsIt() throws Exception {
    Descriptor d = store.put("text/plain", bytes("complete content"));
    Files.write(store.path(d.digest()), bytes("compl"));
    assertThatThrownBy(() -> store.verify(d.digest())).hasMessageContaining("corrupt");
    store.put("text/plain", bytes("complete content"));
    store.verify(d.digest());
  }

  @Test
  void anUncommittedBlobIsNeverVisible() throws Exception {
    try (BlobSink sink = store.newBlob()) {
      sink.write(bytes("half"));
    }
    try (var files = Files.list(tmp.resolve("images/blobs/sha256"))) {
      assertThat(files.count()).isZero();
    }
    try (var files = Files.list(tmp.resolve("images/.tmp"))) {
      assertThat(files.count()).isZero();
    }
  }

  @Test
  void aCorruptOrMissingBlobIsNamedWhenRead() throws Exception {
    Descriptor d = store.put("text/plain", bytes("original"));
    Files.write(store.path(d.digest()), bytes("tampered"));
    assertThatThrownBy(() -> store.read(d.digest()))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining("blob " + d.digest() + " is corrupt")
        .hasMessageContaining(Digest.of(bytes("tampered")).toString());
    assertThatThrownBy(() -> store.verify(d.digest())).hasMessageContaining(d.digest().toString());
    Files.delete(store.path(d.digest()));
    assertThatThrownBy(() -> store.read(d.digest()))
        .hasMessageContaining("blob " + d.digest() + " is missing");
  }

  @Test
  void tagsMoveAndNeverPointAtMissingManifests() {
    Descriptor one = TestImages.simple(store, "1");
    Descriptor two = TestImages.simple(store, "2");
    store.tag("web", one);
    store.tag("api", one);
    store.tag("web", two);
    assertThat(store.tagged())
        .extracting(d -> d.refName().orElseThrow())
        .containsExactly("api", "web");
    assertThat(store.resolve("web").orElseThrow().digest()).isEqualTo(two.digest());
    store.untag("api");
    assertThat(store.resolve("api")).isEmpty();
    assertThat(store.has(one.digest())).isTrue();
    Descriptor ghost = new Descriptor(MediaTypes.MANIFEST, Digest.of(bytes("nothing")), 7);
    assertThatThrownBy(() -> store.tag("ghost", ghost)).hasMessageContaining("is not in the store");
  }

  @Test
  void aManifestNeedsItsBlobs() {
    Descriptor config = new Descriptor(MediaTypes.CONFIG, Digest.of(bytes("absent")), 6);
    assertThatThrownBy(() -> store.putManifest(new ImageManifest(config, List.of())))
        .hasMessageContaining("refers to blob " + config.digest());
  }

  @Test
  void resolvesNamesDigestsAndUniquePrefixes() {
    Descriptor one = TestImages.simple(store, "1");
    store.tag("web", one);
    store.tag("www", one);
    assertThat(store.resolve("web").orElseThrow().digest()).isEqualTo(one.digest());
    assertThat(store.resolve(one.digest().toString()).orElseThrow().digest())
        .isEqualTo(one.digest());
    assertThat(store.resolve(one.digest().hex().substring(0, 12)).orElseThrow().digest())
        .isEqualTo(one.digest());
    assertThat(store.resolve(one.digest().hex().substring(0, 8))).isEmpty();
    assertThat(store.resolve("nope")).isEmpty();
    Descriptor untagged = TestImages.simple(store, "2");
    assertThat(store.resolve(untagged.digest().toString()).orElseThrow().digest())
        .isEqualTo(untagged.digest());
  }

  @Test
  void findsReferrersByType() {
    Descriptor image = TestImages.simple(store, "1");
    store.tag("web", image);
    Descriptor sig = ImageSigner.sign(store, image, HostKey.generate(tmp.resolve("keys")));
    Descriptor sbom = Sbom.attach(store, image);
    assertThat(store.referrers(image.digest(), Optional.empty()))
        .containsExactlyInAnyOrder(sig, sbom);
    assertThat(store.referrers(image.digest(), Optional.of(MediaTypes.CYCLONEDX)))
        .containsExactly(sbom);
    assertThat(store.referrers(sbom.digest(), Optional.empty())).isEmpty();
    assertThat(store.tagged()).hasSize(1);
  }

  @Test
  void indexJsonIsTheSameWhateverTheOrderOfOperations() throws Exception {
    ImageStore other = ImageStore.open(tmp.resolve("other"));
    Descriptor a1 = TestImages.simple(store, "a");
    Descriptor b1 = TestImages.simple(store, "b");
    store.tag("a", a1);
    store.tag("b", b1);
    Descriptor b2 = TestImages.simple(other, "b");
    Descriptor a2 = TestImages.simple(other, "a");
    other.tag("b", b2);
    other.tag("a", a2);
    assertThat(Files.readAllBytes(other.dir().resolve("index.json")))
        .isEqualTo(Files.readAllBytes(store.dir().resolve("index.json")));
  }

  @Test
  void concurrentTaggingLosesNothing() throws Exception {
    Descriptor image = TestImages.simple(store, "1");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        String name = "t" + i;
        ImageStore own = ImageStore.open(store.dir()); // separate instances share the file lock
        done.add(pool.submit(() -> own.tag(name, image)));
      }
      for (Future<?> f : done) f.get();
    } finally {
      pool.shutdownNow();
    }
    assertThat(store.tagged()).hasSize(40);
  }

  @Test
  void openRemovesOnlyStaleTemps() throws Exception {
    Path stale = Files.writeString(tmp.resolve("images/.tmp/blob-1.tmp"), "partial");
    Files.setLastModifiedTime(stale, FileTime.from(Instant.now().minusSeconds(3600)));
    Path fresh = Files.writeString(tmp.resolve("images/.tmp/blob-2.tmp"), "being written");
    ImageStore.open(tmp.resolve("images"));
    assertThat(stale).doesNotExist();
    assertThat(fresh).exists();
  }
}
