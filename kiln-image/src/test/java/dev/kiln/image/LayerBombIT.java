package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bake from an {@code oci:} base whose only layer is about 10 MB of gzip expanding to 10 GiB: it
 * is refused with the default limits, naming the layer and the limit, while the layer streams; the
 * bake's folders stay small (nothing of the expansion reaches the disk).
 */
class LayerBombIT {
  private static final int CHUNK = 64 << 20;

  @TempDir Path tmp;

  @Test
  void aGzipBombBase_isRefusedWhileStreaming_andNothingBigIsWritten() throws Exception {
    ImageStore base = ImageStore.open(tmp.resolve("base"));
    Bomb bomb = bomb();
    Descriptor layer = base.put(MediaTypes.LAYER_TAR_GZIP, bomb.gzip());
    ObjectNode config = Json.object().put("architecture", "amd64").put("os", "linux");
    config.putObject("rootfs").put("type", "layers").putArray("diff_ids").add(bomb.diffId());
    Descriptor configBlob = base.put(MediaTypes.CONFIG, Json.bytes(config));
    base.tag("bomb", base.putManifest(new ImageManifest(configBlob, java.util.List.of(layer))));
    assertThat(bomb.gzip().length).as("the bomb's size").isLessThan(12 << 20);

    BakeFixture f = new BakeFixture(tmp.resolve("app"), tmp.resolve("home")).file("a.txt", "a\n");
    var bp =
        f.blueprint(
            "images:\n  app:\n    from: oci:"
                + base.dir()
                + ":bomb\n"
                + "    steps:\n      - copy: { src: a.txt, dest: /a.txt }\n");

    assertThatThrownBy(() -> f.bake(bp))
        .hasMessageContaining("layer " + layer.digest())
        .hasMessageContaining("expands more than 200 times")
        .hasMessageContaining("KILN_MAX_LAYER_RATIO");
    assertThat(f.store.resolve("app")).isEmpty();
    assertThat(bytesUnder(tmp.resolve("home"))).as("the bake's disk use").isLessThan(64L << 20);
  }

  record Bomb(byte[] gzip, String diffId) {}

  /** 40 files of 256 MiB of zeros, as concatenated gzip members (one valid gzip stream). */
  static Bomb bomb() throws IOException {
    byte[] zeros = Tars.gzip(new byte[CHUNK]);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < 40; i++) {
      TarArchiveEntry e = new TarArchiveEntry("bomb/f" + i, true);
      e.setMode(0100644);
      e.setSize(4L * CHUNK);
      byte[] header = new byte[512];
      e.writeEntryHeader(header);
      out.writeBytes(Tars.gzip(header));
      for (int c = 0; c < 4; c++) out.writeBytes(zeros);
    }
    // Hashing 10 GiB for the real diff id would cost the test more than the bake: nothing before
    // the unpack checks it, and the bomb must be refused before then.
    return new Bomb(out.toByteArray(), Digest.of(new byte[] {0}).toString());
  }

  private static long bytesUnder(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
    }
  }
}
