package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store is a real OCI layout: skopeo reads it, and what skopeo writes, Kiln imports. */
class SkopeoInteropIT {
  @TempDir Path tmp;
  ImageStore store;
  Descriptor image;

  @BeforeEach
  void setUp() {
    assertThat(Tools.onPath("skopeo"))
        .as("skopeo must be installed (apt-get install skopeo)")
        .isTrue();
    store = ImageStore.open(tmp.resolve("images"));
    image = Tools.helloImage(store, HostKey.generate(tmp.resolve("keys")));
    store.tag("hello", image);
  }

  @Test
  void skopeoInspectsATaggedImage() throws Exception {
    Tools.Result r = Tools.ok(List.of("skopeo", "inspect", "oci:" + store.dir() + ":hello"));
    JsonNode out = Json.parse(r.output().getBytes(StandardCharsets.UTF_8), "skopeo inspect");
    assertThat(out.path("Digest").asText()).isEqualTo(image.digest().toString());
    assertThat(out.path("Architecture").asText()).isEqualTo("amd64");
    assertThat(out.path("Layers")).hasSize(1);
    Tools.Result config =
        Tools.ok(List.of("skopeo", "inspect", "--config", "oci:" + store.dir() + ":hello"));
    assertThat(config.output()).contains("hello from kiln");
  }

  @Test
  void roundTripsThroughADockerArchiveAndAnotherOciLayout() throws Exception {
    Path archive = tmp.resolve("hello.tar");
    Tools.ok(
        List.of(
            "skopeo",
            "copy",
            "oci:" + store.dir() + ":hello",
            "docker-archive:" + archive + ":kiln/test:1"));

    ImageStore back = ImageStore.open(tmp.resolve("back"));
    Descriptor imported = BaseImporter.importDockerArchive(back, archive);
    ImageManifest original = store.manifest(image.digest());
    ImageManifest roundTripped = back.manifest(imported.digest());
    assertThat(back.config(roundTripped).diffIds()).isEqualTo(store.config(original).diffIds());
    assertThat(back.config(roundTripped).entrypoint())
        .containsExactly("/bin/busybox", "echo", "hello from kiln");
    Unpacking.unpack(
        back, roundTripped.layers(), tmp.resolve("root"), dev.kiln.oci.UnpackLimits.DEFAULT);
    assertThat(tmp.resolve("root/bin/busybox")).hasSameBinaryContentAs(Path.of("/bin/busybox"));

    Path layout = tmp.resolve("layout");
    Tools.ok(List.of("skopeo", "copy", "docker-archive:" + archive, "oci:" + layout + ":again"));
    Descriptor again = BaseImporter.importOciLayout(back, layout, Optional.of("again"));
    assertThat(back.config(back.manifest(again.digest())).entrypoint())
        .containsExactly("/bin/busybox", "echo", "hello from kiln");
  }
}
