package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LayerWriter's reproducibility, as the store side relies on it. */
class StoreLayerWriterTest {
  @TempDir Path tmp;

  private static LayerEntry bytes(String path, String content) {
    return new LayerEntry.Bytes(path, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
  }

  private static byte[] write(Instant mtime, List<LayerEntry> entries) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new LayerWriter(mtime).write(out, entries);
    return out.toByteArray();
  }

  private static List<TarArchiveEntry> entries(byte[] tar) throws Exception {
    List<TarArchiveEntry> out = new ArrayList<>();
    try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(tar))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) out.add(e);
    }
    return out;
  }

  @Test
  void sameEntriesInAnyOrderGiveTheSameBytes() throws Exception {
    Path file = Files.writeString(tmp.resolve("f"), "from disk");
    Files.setLastModifiedTime(
        file, java.nio.file.attribute.FileTime.from(Instant.parse("2020-01-01T00:00:00Z")));
    List<LayerEntry> a =
        List.of(
            bytes("/b/x", "1"),
            new LayerEntry.File("/a/f", file, 0600, 1000, 1000),
            new LayerEntry.Symlink("/c", "b/x", 0, 0));
    List<LayerEntry> b = List.of(a.get(2), a.get(0), a.get(1));
    assertThat(write(LayerWriter.DEFAULT_EPOCH, a)).isEqualTo(write(LayerWriter.DEFAULT_EPOCH, b));
    assertThat(write(LayerWriter.DEFAULT_EPOCH, a))
        .isNotEqualTo(write(Instant.ofEpochSecond(2), a));
  }

  @Test
  void addsParentsSortsAndFixesMetadata() throws Exception {
    List<TarArchiveEntry> es =
        entries(
            write(
                LayerWriter.DEFAULT_EPOCH,
                List.of(
                    bytes("/usr/bin/app", "x"),
                    new LayerEntry.Hardlink("/usr/bin/alias", "/usr/bin/app"))));
    assertThat(es)
        .extracting(TarArchiveEntry::getName)
        .containsExactly("usr/", "usr/bin/", "usr/bin/app", "usr/bin/alias");
    for (TarArchiveEntry e : es) {
      assertThat(e.getModTime().toInstant()).isEqualTo(LayerWriter.DEFAULT_EPOCH);
      assertThat(e.getUserName()).isEmpty();
      assertThat(e.getLongUserId()).isZero();
    }
    assertThat(es.get(0).getMode() & 07777).isEqualTo(0755);
    assertThat(es.get(3).isLink()).isTrue();
    assertThat(es.get(3).getLinkName()).isEqualTo("usr/bin/app");
  }

  @Test
  void writesWhiteoutsAndOpaqueMarkers() throws Exception {
    List<TarArchiveEntry> es =
        entries(
            write(
                LayerWriter.DEFAULT_EPOCH,
                List.of(
                    new LayerEntry.Whiteout("/etc/old"),
                    new LayerEntry.OpaqueDirectory("/var/cache"))));
    assertThat(es)
        .extracting(TarArchiveEntry::getName)
        .contains("etc/.wh.old", "var/cache/.wh..wh..opq");
  }

  @Test
  void refusesBadOrDuplicatePaths() {
    for (String bad : List.of("relative", "/", "/a/", "/a//b", "/a/../b", "/./a")) {
      assertThatThrownBy(() -> write(LayerWriter.DEFAULT_EPOCH, List.of(bytes(bad, "x"))))
          .as(bad)
          .hasMessageContaining("absolute and normalized");
    }
    assertThatThrownBy(
            () -> write(LayerWriter.DEFAULT_EPOCH, List.of(bytes("/a", "1"), bytes("/a", "2"))))
        .hasMessageContaining("two entries for /a");
  }

  @Test
  void writtenLayersUnpackToTheSameTree() {
    ImageStore store = ImageStore.open(tmp.resolve("store"));
    Descriptor d =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH).write(store, List.of(bytes("/x/y/z", "deep")));
    assertThat(d.mediaType()).isEqualTo(MediaTypes.LAYER_TAR);
    Unpacking.unpack(store, List.of(d), tmp.resolve("root"), dev.kiln.oci.UnpackLimits.DEFAULT);
    assertThat(tmp.resolve("root/x/y/z")).hasContent("deep");
  }
}
