package dev.kiln.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.VerifiedBlobs;
import dev.kiln.testkit.TarLayer;
import dev.kiln.testkit.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The archive we hand the engine, checked by an independent reader: skopeo's docker-archive
 * transport.
 */
class DockerArchiveIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  private final ImageContent image =
      TestImages.busybox().layer(new TarLayer().file("www/extra.html", "second layer")).build();

  @Test
  void skopeoReadsTheArchive_withOneUncompressedLayerPerImageLayer_inOrder() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/skopeo")),
        "skopeo is not installed (apt-get install skopeo)");
    Path archive = dir.resolve("image.tar");
    DockerArchive.write(image, "kiln/image:test", archive, dir);

    Process skopeo =
        new ProcessBuilder("skopeo", "inspect", "docker-archive:" + archive)
            .redirectErrorStream(true)
            .start();
    String out = new String(skopeo.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(skopeo.waitFor()).as(out).isZero();

    JsonNode inspected = JSON.readTree(out);
    List<String> layers = new ArrayList<>();
    inspected.get("Layers").forEach(l -> layers.add(l.asText()));
    assertThat(layers).containsExactlyElementsOf(diffIds(image));
    assertThat(inspected.get("Env").toString()).contains("PATH=/bin");
  }

  @Test
  void aTamperedLayer_stopsTheArchive() {
    assertThatThrownBy(
            () ->
                DockerArchive.write(
                    TestImages.tampered(image), "kiln/image:x", dir.resolve("a.tar"), dir))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("does not match its digest");
  }

  private static List<String> diffIds(ImageContent image) throws IOException {
    List<String> ids = new ArrayList<>();
    JSON.readTree(VerifiedBlobs.readAll(image.config()))
        .get("rootfs")
        .get("diff_ids")
        .forEach(d -> ids.add(d.asText()));
    return ids;
  }
}
