package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tar bombs against the default limits: a layer of about 10 MB of gzip that expands to 10 GiB is
 * refused while it streams, and almost nothing reaches the disk.
 */
class LayerBombTest {
  private static final int CHUNK = 64 << 20;

  @TempDir Path tmp;

  @Test
  void aTenMegabyteGzipLayerOfTenGibibytes_isRefusedWhileStreaming_withLittleWrittenToDisk()
      throws IOException {
    // 40 files of 256 MiB of zeros, as concatenated gzip members (a valid gzip stream): each
    // declared size is under every cap, so only the expansion itself can give the bomb away.
    byte[] zeros = gzip(new byte[CHUNK]);
    List<byte[]> members = new ArrayList<>();
    long expanded = 0;
    long compressed = 0;
    for (int i = 0; i < 40; i++) {
      byte[] header = header("bomb/f" + i, 4L * CHUNK);
      members.add(gzip(header));
      for (int c = 0; c < 4; c++) members.add(zeros);
      expanded += header.length + 4L * CHUNK;
    }
    for (byte[] m : members) compressed += m.length;
    assertThat(compressed).as("the bomb's size").isLessThan(12L << 20);
    assertThat(expanded).as("what it expands to").isGreaterThanOrEqualTo(10L << 30);

    Path root = tmp.resolve("root");
    LayerUnpacker.Unpack unpack = new LayerUnpacker(UnpackLimits.DEFAULT).into(root);
    InputStream blob =
        new SequenceInputStream(
            Collections.enumeration(
                members.stream()
                    .map(m -> (InputStream) new java.io.ByteArrayInputStream(m))
                    .toList()));

    assertThatThrownBy(() -> unpack.layer("sha256:bomb", blob))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("layer sha256:bomb")
        .hasMessageContaining("bomb/f0")
        .hasMessageContaining("expands more than 200 times")
        .hasMessageContaining(UnpackLimits.RATIO_ENV);
    assertThat(bytesUnder(root)).as("written to disk").isLessThan(2L * CHUNK);
  }

  @Test
  void anEntryDeclaringMoreThanTheLayerLimit_isRefusedBeforeAByteIsWritten() {
    byte[] tar = TestTar.headerOnly("huge", 10L << 30);
    Path root = tmp.resolve("root");
    LayerUnpacker.Unpack unpack = new LayerUnpacker(UnpackLimits.DEFAULT).into(root);

    assertThatThrownBy(() -> unpack.layer("sha256:huge", new java.io.ByteArrayInputStream(tar)))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("layer sha256:huge: entry 'huge' refused")
        .hasMessageContaining("8 GiB per layer")
        .hasMessageContaining(UnpackLimits.LAYER_ENV);
    assertThat(root.toFile().list()).isEmpty();
  }

  private static byte[] header(String name, long size) {
    TarArchiveEntry e = new TarArchiveEntry(name, true);
    e.setMode(0100644);
    e.setSize(size);
    byte[] out = new byte[512];
    e.writeEntryHeader(out);
    return out;
  }

  private static byte[] gzip(byte[] content) {
    return TestTar.gzip(content);
  }

  private static long bytesUnder(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      return walk.filter(Files::isRegularFile).mapToLong(LayerBombTest::size).sum();
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }
}
