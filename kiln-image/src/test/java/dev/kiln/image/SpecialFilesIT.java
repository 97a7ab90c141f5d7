package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.oci.UnpackLimits;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule for set-uid/set-gid and device nodes, applied at bake: a run step that makes them bakes
 * a layer without them and says so, the image tests see exactly that, and the runtime's unpacker
 * then keeps every mode as signed.
 */
class SpecialFilesIT {
  static final String BOX =
      """
      images:
        box:
          from: scratch
          steps:
            - copy: { src: bin/, dest: /bin }
            - run: "cp /bin/busybox /bin/su2 && chmod 4755 /bin/su2 && chmod 2755 /bin/busybox && mkfifo /fifo && mknod /null c 1 3 && mkdir -p /run && echo x > /run/pid"
          test:
            - { command: [ /bin/sh, -c, "test ! -u /bin/su2 && test ! -g /bin/busybox && test ! -e /fifo && test ! -e /null && test ! -e /run/pid" ] }
      """;

  @TempDir Path tmp;

  @Test
  void aRunStepsSetUidFilesAndDeviceNodes_areStrippedAtBake_withANoteNamingThem() throws Exception {
    BakeFixture f = new BakeFixture(tmp.resolve("project"), tmp.resolve("home")).busybox();

    f.bake(f.blueprint(BOX));

    // the image test ran on the build root and passed: that root is the signed image
    assertThat(f.events)
        .anyMatch(
            e -> e instanceof BakerEvent.TestDone t && t.passed() && t.test().contains("su2"));

    List<Descriptor> layers = f.layers("box");
    Map<String, String> modes = BakeFixture.modes(f.store, layers.get(1));
    assertThat(modes).containsEntry("bin/su2", "755").containsEntry("bin/busybox", "755");
    assertThat(modes).doesNotContainKeys("fifo", "null");
    assertThat(notes(f))
        .anySatisfy(
            n ->
                assertThat(n)
                    .contains("stripped set-uid/set-gid from /bin/busybox, /bin/su2")
                    .contains("dropped device nodes, fifos and sockets /fifo, /null"));

    // What runs: kiln-oci's unpacker keeps the modes exactly as the signed layers say.
    Path root = tmp.resolve("runtime-root");
    Unpacking.unpack(f.store, layers, root, UnpackLimits.DEFAULT);
    assertThat(mode(root.resolve("bin/su2"))).isEqualTo(0755);
    assertThat(Files.exists(root.resolve("fifo"), LinkOption.NOFOLLOW_LINKS)).isFalse();
  }

  static List<String> notes(BakeFixture f) {
    return f.events.stream()
        .filter(e -> e instanceof BakerEvent.Note)
        .map(e -> ((BakerEvent.Note) e).message())
        .toList();
  }

  static int mode(Path p) throws Exception {
    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
  }
}
