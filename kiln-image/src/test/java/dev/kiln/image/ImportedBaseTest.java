package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.oci.UnpackLimits;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An imported base is conformed to the set-uid/device rule, so what is signed is what runs. */
class ImportedBaseTest {
  @TempDir Path tmp;
  ImageStore store;
  List<String> notes = new ArrayList<>();

  @BeforeEach
  void setUp() {
    store = ImageStore.open(tmp.resolve("store"));
  }

  private Descriptor base(byte[]... layerTars) {
    List<Descriptor> layers = new ArrayList<>();
    ObjectNode config = Json.object();
    config.put("architecture", "amd64").put("os", "linux");
    var ids = config.putObject("rootfs").put("type", "layers").putArray("diff_ids");
    for (byte[] tar : layerTars) {
      layers.add(store.put(MediaTypes.LAYER_TAR_GZIP, Tars.gzip(tar)));
      ids.add(dev.kiln.model.Digest.of(tar).toString());
    }
    Descriptor configBlob = store.put(MediaTypes.CONFIG, Json.bytes(config));
    return store.putManifest(new ImageManifest(configBlob, layers));
  }

  @Test
  void aBaseWithoutSpecialFiles_keepsItsPublishersDigest() {
    Descriptor m = base(new Tars().file("bin/sh", new byte[] {1}, 0755).bytes());
    assertThat(ImportedBase.conform(store, m, UnpackLimits.DEFAULT, notes::add)).isEqualTo(m);
    assertThat(notes).isEmpty();
  }

  @Test
  void setUidFilesAndDeviceNodes_areStrippedFromTheLayer_theConfigFollows_andANoteNamesThem()
      throws Exception {
    byte[] clean = new Tars().file("etc/os-release", "ID=test\n").bytes();
    byte[] special =
        new Tars()
            .file("usr/bin/passwd", new byte[] {1}, 04755)
            .file("usr/bin/wall", new byte[] {2}, 02755)
            .dir("dev")
            .charDevice("dev/null")
            .file("usr/bin/ok", new byte[] {3}, 0755)
            .bytes();
    Descriptor m = base(clean, special);

    Descriptor conformed = ImportedBase.conform(store, m, UnpackLimits.DEFAULT, notes::add);

    assertThat(conformed).isNotEqualTo(m);
    assertThat(notes)
        .singleElement()
        .satisfies(
            n ->
                assertThat(n)
                    .contains("stripped set-uid/set-gid from /usr/bin/passwd, /usr/bin/wall")
                    .contains("dropped device nodes, fifos and sockets /dev/null"));
    ImageManifest after = store.manifest(conformed.digest());
    ImageManifest before = store.manifest(m.digest());
    assertThat(after.layers().get(0)).isEqualTo(before.layers().get(0));
    assertThat(after.layers().get(1).mediaType()).isEqualTo(MediaTypes.LAYER_TAR);
    assertThat(store.config(after).diffIds())
        .containsExactly(store.config(before).diffIds().get(0), after.layers().get(1).digest());
    assertThat(BakeFixture.modes(store, after.layers().get(1)))
        .containsEntry("usr/bin/passwd", "755")
        .containsEntry("usr/bin/wall", "755")
        .containsEntry("usr/bin/ok", "755")
        .doesNotContainKey("dev/null");

    // the runtime's unpacker (which refuses device nodes and keeps modes) takes it as it is
    Path root = tmp.resolve("root");
    Unpacking.unpack(store, after.layers(), root, UnpackLimits.DEFAULT);
    assertThat(mode(root.resolve("usr/bin/passwd"))).isEqualTo(0755);
    assertThat(root.resolve("etc/os-release")).hasContent("ID=test\n");
  }

  @Test
  void theOutcomeIsRemembered_soALaterBakeNeitherRereadsNorRewrites_butRepeatsTheNote() {
    Descriptor m = base(new Tars().file("usr/bin/su", new byte[] {1}, 04755).bytes());
    Path records = tmp.resolve("records");

    Descriptor first = ImportedBase.conform(store, m, UnpackLimits.DEFAULT, records, notes::add);
    Descriptor again = ImportedBase.conform(store, m, UnpackLimits.DEFAULT, records, notes::add);

    assertThat(again).isEqualTo(first).isNotEqualTo(m);
    assertThat(records.resolve(m.digest().hex() + ".json")).exists();
    assertThat(notes).hasSize(2).allMatch(n -> n.contains("/usr/bin/su"));
  }

  static int mode(Path p) throws Exception {
    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
  }
}
