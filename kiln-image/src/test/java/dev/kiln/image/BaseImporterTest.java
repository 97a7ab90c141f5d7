package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BaseImporterTest {
  @TempDir Path tmp;
  ImageStore source;
  ImageStore store;

  @BeforeEach
  void setUp() {
    source = ImageStore.open(tmp.resolve("layout"));
    store = ImageStore.open(tmp.resolve("store"));
  }

  private Descriptor image(String content) {
    Descriptor layer =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH)
            .write(
                source,
                List.of(
                    new LayerEntry.Bytes(
                        "/etc/motd", content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0)));
    ImageConfig config =
        new ImageConfig(
            "amd64",
            "linux",
            Instant.EPOCH,
            List.of("A=1"),
            List.of("/bin/sh"),
            List.of(),
            Optional.empty(),
            Optional.empty(),
            List.of(),
            java.util.Map.of(),
            List.of(layer.digest()),
            List.of("test"));
    Descriptor c = source.put(MediaTypes.CONFIG, config.toBytes());
    return source.putManifest(new ImageManifest(c, List.of(layer)));
  }

  @Test
  void importsATaggedImageFromAnOciLayoutKeepingItsDigest() {
    Descriptor m = image("one");
    source.tag("v1", m);
    source.tag("v2", image("two"));
    Descriptor imported = BaseImporter.importOciLayout(store, source.dir(), Optional.of("v1"));
    assertThat(imported.digest()).isEqualTo(m.digest());
    ImageManifest manifest = store.manifest(imported.digest());
    assertThat(store.config(manifest).env()).containsExactly("A=1");
    manifest.layers().forEach(l -> store.verify(l.digest()));
    assertThat(store.tagged()).isEmpty();
  }

  @Test
  void importsTheOnlyImageWithoutATag() {
    Descriptor m = image("one");
    source.tag("latest", m);
    assertThat(BaseImporter.importOciLayout(store, source.dir(), Optional.empty()).digest())
        .isEqualTo(m.digest());
  }

  @Test
  void explainsAmbiguousMissingAndAbsentImages() {
    source.tag("v1", image("one"));
    source.tag("v2", image("two"));
    assertThatThrownBy(() -> BaseImporter.importOciLayout(store, source.dir(), Optional.empty()))
        .hasMessageContaining("holds 2 images")
        .hasMessageContaining("v1, v2");
    assertThatThrownBy(() -> BaseImporter.importOciLayout(store, source.dir(), Optional.of("v3")))
        .hasMessageContaining("no image tagged 'v3'")
        .hasMessageContaining("available: v1, v2");
    assertThatThrownBy(
            () -> BaseImporter.importOciLayout(store, tmp.resolve("nope"), Optional.empty()))
        .hasMessageContaining("does not exist");
    assertThatThrownBy(() -> BaseImporter.importOciLayout(store, tmp, Optional.empty()))
        .hasMessageContaining("no index.json");
    assertThatThrownBy(() -> BaseImporter.importDockerArchive(store, tmp.resolve("x.tar")))
        .hasMessageContaining("does not exist");
  }

  @Test
  void refusesACorruptSourceBlobAndStoresNothingOfIt() throws Exception {
    Descriptor m = image("one");
    source.tag("v1", m);
    Digest layer = source.manifest(m.digest()).layers().get(0).digest();
    byte[] blob = Files.readAllBytes(source.path(layer));
    blob[600] ^= 1;
    Files.write(source.path(layer), blob);
    assertThatThrownBy(() -> BaseImporter.importOciLayout(store, source.dir(), Optional.of("v1")))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(layer.toString())
        .hasMessageContaining("corrupt");
    assertThat(store.has(layer)).isFalse();
    assertThat(store.has(Digest.of(blob))).isFalse();
  }

  @Test
  void picksThisMachinesPlatformFromAnIndex() {
    Descriptor m = image("one");
    ObjectNode index = Json.object();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.INDEX);
    ArrayNode ms = index.putArray("manifests");
    ObjectNode other = m.toJson();
    other.putObject("platform").put("os", "linux").put("architecture", "s390x");
    ms.add(other);
    ObjectNode mine = image("two").toJson();
    mine.putObject("platform")
        .put("os", "linux")
        .put("architecture", BaseImporter.hostArchitecture());
    ms.add(mine);
    Descriptor idx = source.put(MediaTypes.INDEX, Json.bytes(index));
    source.tag("multi", idx);
    Descriptor imported = BaseImporter.importOciLayout(store, source.dir(), Optional.of("multi"));
    assertThat(imported.digest().toString()).isEqualTo(mine.get("digest").asText());
  }

  @Test
  void convertsADockerManifestInALayoutToOci() {
    Descriptor m = image("one");
    ImageManifest oci = source.manifest(m.digest());
    String docker =
        new String(oci.toBytes(), StandardCharsets.UTF_8)
            .replace(MediaTypes.MANIFEST, MediaTypes.DOCKER_MANIFEST)
            .replace(MediaTypes.CONFIG, MediaTypes.DOCKER_CONFIG)
            .replace(MediaTypes.LAYER_TAR, "application/vnd.docker.image.rootfs.diff.tar");
    Descriptor d = source.put(MediaTypes.DOCKER_MANIFEST, docker.getBytes(StandardCharsets.UTF_8));
    source.tag("docker", d);
    Descriptor imported = BaseImporter.importOciLayout(store, source.dir(), Optional.of("docker"));
    String stored = new String(store.read(imported.digest()), StandardCharsets.UTF_8);
    assertThat(stored)
        .contains(MediaTypes.MANIFEST, MediaTypes.CONFIG, MediaTypes.LAYER_TAR)
        .doesNotContain("docker");
  }

  private byte[] dockerArchive(Descriptor m, boolean blobsLayout, boolean corruptLayer) {
    ImageManifest manifest = source.manifest(m.digest());
    Digest config = manifest.config().digest();
    Digest layer = manifest.layers().get(0).digest();
    byte[] layerBytes = source.read(layer);
    if (corruptLayer) layerBytes[600] ^= 1;
    Tars tars = new Tars();
    ObjectNode entry = Json.object();
    if (blobsLayout) {
      tars.file("blobs/sha256/" + config.hex(), source.read(config), 0644)
          .file("blobs/sha256/" + layer.hex(), layerBytes, 0644)
          .symlink(layer.hex().substring(0, 10) + "/layer.tar", "../blobs/sha256/" + layer.hex());
      entry.put("Config", "blobs/sha256/" + config.hex());
    } else {
      tars.file(config.hex() + ".json", source.read(config), 0644)
          .file("abc/layer.tar", layerBytes, 0644);
      entry.put("Config", config.hex() + ".json");
    }
    entry.putArray("RepoTags").add("kiln/test:1");
    entry
        .putArray("Layers")
        .add(blobsLayout ? layer.hex().substring(0, 10) + "/layer.tar" : "abc/layer.tar");
    ArrayNode list = Json.MAPPER.createArrayNode().add(entry);
    return tars.file("manifest.json", Json.bytes(list), 0644).bytes();
  }

  @Test
  void importsDockerArchivesOldAndNew() throws Exception {
    Descriptor m = image("one");
    for (boolean blobs : List.of(false, true)) {
      Path tar = Files.write(tmp.resolve("a" + blobs + ".tar"), dockerArchive(m, blobs, false));
      Descriptor imported = BaseImporter.importDockerArchive(store, tar);
      ImageManifest got = store.manifest(imported.digest());
      ImageManifest want = source.manifest(m.digest());
      assertThat(got.config().digest()).isEqualTo(want.config().digest());
      assertThat(got.layers())
          .extracting(Descriptor::digest)
          .containsExactlyElementsOf(want.layers().stream().map(Descriptor::digest).toList());
      assertThat(got.layers()).extracting(Descriptor::mediaType).containsOnly(MediaTypes.LAYER_TAR);
      assertThat(BaseImporter.importDockerArchive(store, tar, Optional.of("kiln/test:1")))
          .isEqualTo(imported);
      assertThatThrownBy(() -> BaseImporter.importDockerArchive(store, tar, Optional.of("other:2")))
          .hasMessageContaining("available: kiln/test:1");
    }
  }

  @Test
  void refusesACorruptDockerArchiveLayer() throws Exception {
    Path tar = Files.write(tmp.resolve("bad.tar"), dockerArchive(image("one"), false, true));
    assertThatThrownBy(() -> BaseImporter.importDockerArchive(store, tar))
        .hasMessageContaining("abc/layer.tar is corrupt");
    Path tar2 = Files.write(tmp.resolve("bad2.tar"), dockerArchive(image("two"), true, true));
    assertThatThrownBy(() -> BaseImporter.importDockerArchive(store, tar2))
        .hasMessageContaining("is corrupt");
    Path notArchive = Files.write(tmp.resolve("plain.tar"), new Tars().file("x", "y").bytes());
    assertThatThrownBy(() -> BaseImporter.importDockerArchive(store, notArchive))
        .hasMessageContaining("no manifest.json");
  }
}
