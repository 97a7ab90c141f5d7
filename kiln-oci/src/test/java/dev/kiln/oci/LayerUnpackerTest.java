package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The one set of security tests for unpacking untrusted layers (baking and running share it). */
class LayerUnpackerTest {
  private static final UnpackLimits TEN_MB =
      new UnpackLimits(10L << 20, 10L << 20, 1000, UnpackLimits.DEFAULT.maxRatio());

  @TempDir Path tmp;
  Path target;
  Path outside;
  Path canary;

  @BeforeEach
  void setUp() throws Exception {
    target = tmp.resolve("root");
    outside = Files.createDirectories(tmp.resolve("outside"));
    canary = Files.writeString(outside.resolve("canary"), "untouched");
  }

  private void unpack(byte[]... layers) {
    unpack(TEN_MB, layers);
  }

  private void unpack(UnpackLimits limits, byte[]... layers) {
    LayerUnpacker.Unpack u = new LayerUnpacker(limits).into(target);
    for (int i = 0; i < layers.length; i++) {
      u.layer("layer-" + i, new ByteArrayInputStream(layers[i]));
    }
    u.finish();
  }

  @Test
  void layersApplyInOrder_withFilesFoldersLinksAndExactModes() throws Exception {
    unpack(
        new TestTar()
            .dir("etc")
            .file("etc/a", "one")
            .symlink("etc/b", "a")
            .symlink("etc/abs", "/etc/hostname")
            .file("bin/x", new byte[] {1}, 0755)
            .file("bin/su", new byte[] {2}, 04755)
            .file("bin/wall", new byte[] {3}, 02755)
            .dir("data")
            .bytes(),
        new TestTar().file("etc/a", "two").hardlink("etc/c", "etc/a").bytes());

    assertThat(target.resolve("etc/a")).hasContent("two");
    assertThat(Files.readSymbolicLink(target.resolve("etc/b"))).isEqualTo(Path.of("a"));
    assertThat(Files.readSymbolicLink(target.resolve("etc/abs")))
        .isEqualTo(Path.of("/etc/hostname"));
    assertThat(Files.isSameFile(target.resolve("etc/c"), target.resolve("etc/a"))).isTrue();
    assertThat(mode(target.resolve("bin/x"))).isEqualTo(0755);
    // kept exactly as signed: the baker strips these bits before it signs, not the runtime
    assertThat(mode(target.resolve("bin/su"))).isEqualTo(04755);
    assertThat(mode(target.resolve("bin/wall"))).isEqualTo(02755);
    assertThat(mode(target.resolve("etc"))).isEqualTo(0755);
  }

  @Test
  void gzipLayersAreRecognisedByTheirMagicBytes() {
    byte[] tar = new TestTar().dir("./etc").file("./etc/os-release", "ID=kiln\n").bytes();
    unpack(TestTar.gzip(tar));
    assertThat(target.resolve("etc/os-release")).hasContent("ID=kiln\n");
  }

  @Test
  void whiteoutsAndOpaqueFolders_hideWhatLowerLayersPutThere() {
    byte[] lower =
        new TestTar()
            .file("a/keep", "1")
            .file("a/gone", "2")
            .dir("a/sub")
            .file("a/sub/x", "3")
            .file("b/old1", "4")
            .file("b/old2", "5")
            .symlink("c", "a")
            .bytes();
    byte[] upper =
        new TestTar()
            .file("a/.wh.gone", "")
            .file("a/.wh.sub", "")
            .file(".wh.c", "")
            .file("b/.wh..wh..opq", "")
            .file("b/new", "6")
            .bytes();
    unpack(lower, upper);
    assertThat(target.resolve("a/keep")).hasContent("1");
    assertThat(target.resolve("a/gone")).doesNotExist();
    assertThat(target.resolve("a/sub")).doesNotExist();
    assertThat(Files.exists(target.resolve("c"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(target.resolve("b").toFile().list()).containsExactly("new");
    assertThat(target.resolve("a/.wh.gone")).doesNotExist();
  }

  @Test
  void anOpaqueWhiteoutAfterItsOwnLayersEntries_keepsThem_andStillHidesLowerOnes() {
    // The OCI spec: a whiteout applies to lower layers only, whatever the order inside the tar.
    byte[] lower =
        new TestTar().file("d/old", "lower").file("d/sub/old", "lower").file("d/both", "x").bytes();
    byte[] upper =
        new TestTar()
            .file("d/new", "same layer")
            .file("d/sub/new", "same layer")
            .file("d/both", "replaced here")
            .file("d/.wh..wh..opq", "")
            .file("d/.wh.new2", "")
            .file("d/new2", "made after its own whiteout")
            .bytes();
    unpack(lower, upper);
    assertThat(target.resolve("d/new")).hasContent("same layer");
    assertThat(target.resolve("d/sub/new")).hasContent("same layer");
    assertThat(target.resolve("d/both")).hasContent("replaced here");
    assertThat(target.resolve("d/new2")).hasContent("made after its own whiteout");
    assertThat(target.resolve("d/old")).doesNotExist();
    assertThat(target.resolve("d/sub/old")).doesNotExist();
  }

  @Test
  void aPlainWhiteoutOfAnEntryOfTheSameLayer_keepsIt() {
    unpack(new TestTar().file("f", "kept").file(".wh.f", "").bytes());
    assertThat(target.resolve("f")).hasContent("kept");
  }

  @Test
  void laterLayersReplaceFilesFoldersAndSymlinks() throws Exception {
    byte[] lower =
        new TestTar().file("x", "file").dir("y").file("y/z", "1").file("l", "was file").bytes();
    byte[] upper =
        new TestTar().dir("x").file("x/in", "2").file("y", "now a file").symlink("l", "x").bytes();
    unpack(lower, upper);
    assertThat(target.resolve("x/in")).hasContent("2");
    assertThat(target.resolve("y")).hasContent("now a file");
    assertThat(Files.readSymbolicLink(target.resolve("l"))).isEqualTo(Path.of("x"));
  }

  @Test
  void symlinksThatStayInsideTheRoot_areWrittenThrough_asTheImageSeesThem() {
    // as containerd does: a relative link inside, and an absolute one, which starts at the root
    unpack(
        new TestTar()
            .dir("real")
            .symlink("alias", "real")
            .file("alias/f", "via a relative link")
            .symlink("etc-link", "/etc")
            .file("etc-link/f", "via an absolute link")
            .symlink("host", outside.toString())
            .file("host/canary", "inside, not the host's")
            .dir("a/b")
            .symlink("a/b/up", "../..")
            .file("a/b/up/top", "via .. that stays inside")
            .bytes());
    assertThat(target.resolve("real/f")).hasContent("via a relative link");
    assertThat(target.resolve("etc/f")).hasContent("via an absolute link");
    assertThat(target.resolve(outside.toString().substring(1)).resolve("canary"))
        .hasContent("inside, not the host's");
    assertThat(target.resolve("top")).hasContent("via .. that stays inside");
    assertThat(canary).hasContent("untouched");
  }

  @Test
  void aSymlinkLeftByALowerLayer_isFollowedOnlyInside() {
    byte[] lower = new TestTar().symlink("in", "/var").symlink("out", "../../outside").bytes();
    unpack(lower, new TestTar().file("in/x", "inside").bytes());
    assertThat(target.resolve("var/x")).hasContent("inside");
    assertThatThrownBy(() -> unpack(new TestTar().file("out/canary", "overwritten").bytes()))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("out/canary")
        .hasMessageContaining("leads out of the image root");
    assertThat(canary).hasContent("untouched");
  }

  static Stream<Arguments> maliciousLayers() {
    return Stream.of(
        Arguments.of(
            "dot-dot",
            (Function<Path, byte[]>)
                out -> new TestTar().file("../../etc/kiln-canary-evil", "x").bytes(),
            "../../etc/kiln-canary-evil"),
        Arguments.of(
            "dot-dot-middle",
            (Function<Path, byte[]>)
                out -> new TestTar().file("a/../../outside/canary", "x").bytes(),
            "a/../../outside/canary"),
        Arguments.of(
            "dot-dot in a long (PAX) name",
            (Function<Path, byte[]>)
                out ->
                    new TestTar()
                        .file("a/".repeat(60) + "../".repeat(62) + "etc/kiln-canary-evil", "x")
                        .bytes(),
            "etc/kiln-canary-evil"),
        Arguments.of(
            "absolute",
            (Function<Path, byte[]>) out -> new TestTar().file("/abs-kiln-canary", "x").bytes(),
            "/abs-kiln-canary"),
        Arguments.of(
            "absolute into outside",
            (Function<Path, byte[]>)
                out -> new TestTar().file(out.resolve("canary").toString(), "x").bytes(),
            "canary"),
        Arguments.of(
            "symlink to ../.. then through it",
            (Function<Path, byte[]>)
                out -> new TestTar().symlink("up", "../..").file("up/outside/canary", "x").bytes(),
            "up/outside/canary"),
        Arguments.of(
            "symlink chain out: a -> b/.., b -> ../x",
            (Function<Path, byte[]>)
                out ->
                    new TestTar()
                        .dir("d")
                        .symlink("d/b", "../..")
                        .symlink("a", "d/b")
                        .file("a/outside/canary", "x")
                        .bytes(),
            "a/outside/canary"),
        Arguments.of(
            "hard link to /etc/shadow",
            (Function<Path, byte[]>) out -> new TestTar().hardlink("shadow", "/etc/shadow").bytes(),
            "shadow"),
        Arguments.of(
            "hard link out with ..",
            (Function<Path, byte[]>)
                out -> new TestTar().hardlink("c", "../outside/canary").bytes(),
            "c"),
        Arguments.of(
            "hard link through a symlink that leads out",
            (Function<Path, byte[]>)
                out -> new TestTar().symlink("o", "../outside").hardlink("c", "o/canary").bytes(),
            "'c'"),
        Arguments.of(
            "whiteout through a symlink that leads out",
            (Function<Path, byte[]>)
                out -> new TestTar().symlink("o", "../outside").file("o/.wh.canary", "").bytes(),
            "o/.wh.canary"),
        Arguments.of(
            "whiteout of ..",
            (Function<Path, byte[]>) out -> new TestTar().file("etc/.wh..", "").bytes(),
            "etc/.wh.."),
        Arguments.of(
            "a device node",
            (Function<Path, byte[]>) out -> new TestTar().dir("dev").charDevice("dev/null").bytes(),
            "dev/null"),
        Arguments.of(
            "1 GB entry over a 10 MB limit",
            (Function<Path, byte[]>) out -> TestTar.headerOnly("big", 1L << 30),
            "big"),
        Arguments.of(
            "gzip bomb over a 10 MB limit",
            (Function<Path, byte[]>)
                out -> TestTar.gzip(new TestTar().file("zeros", new byte[20 << 20], 0644).bytes()),
            "zeros"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("maliciousLayers")
  void refusesEntriesThatEscapeOrExplode_namingLayerAndEntry(
      String name, Function<Path, byte[]> tar, String entry) throws Exception {
    byte[] layer = tar.apply(outside);
    assertThatThrownBy(() -> unpack(layer))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("layer-0")
        .hasMessageContaining(entry)
        .hasMessageContaining("refused");
    assertThat(canary).hasContent("untouched");
    assertThat(outside.toFile().list()).containsExactly("canary");
    assertThat(Path.of("/etc/kiln-canary-evil")).doesNotExist();
    assertThat(Path.of("/abs-kiln-canary")).doesNotExist();
    assertThat(tmp.resolve("etc")).doesNotExist();
  }

  @Test
  void theImageLimitCountsAllLayersTogether() {
    UnpackLimits limits = new UnpackLimits(8L << 20, 10L << 20, 1000, 200);
    byte[] a = new TestTar().file("a", new byte[6 << 20], 0644).bytes();
    byte[] b = new TestTar().file("b", new byte[6 << 20], 0644).bytes();
    assertThatThrownBy(() -> unpack(limits, a, b))
        .hasMessageContaining("layer-1")
        .hasMessageContaining("'b'")
        .hasMessageContaining("10 MiB per image");
  }

  @Test
  void theEntryLimitStopsAnInodeBomb() {
    TestTar many = new TestTar();
    for (int i = 0; i < 1001; i++) many.file("f" + i, "");
    assertThatThrownBy(() -> unpack(many.bytes()))
        .hasMessageContaining("'f1000'")
        .hasMessageContaining("more than 1000 entries");
  }

  @Test
  void aCorruptBlobIsNamed_byTheCauseTheVerifyingStreamGives() {
    byte[] tar = new TestTar().file("f", "original").bytes();
    LayerUnpacker.Unpack u = new LayerUnpacker(TEN_MB).into(target);
    InputStream failing =
        new InputStream() {
          int n;

          @Override
          public int read() throws IOException {
            if (n < tar.length) return tar[n++] & 0xff;
            throw new IOException("blob sha256:abc is corrupt: its bytes hash to sha256:def");
          }
        };
    assertThatThrownBy(() -> u.layer("sha256:abc", failing))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("sha256:abc")
        .hasMessageContaining("corrupt");
  }

  @Test
  void aCorruptGzipLayerIsNamed() {
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    for (int i = 0; i < 20000; i++) {
      big.writeBytes(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
    }
    byte[] blob = TestTar.gzip(new TestTar().file("f", big.toByteArray(), 0644).bytes());
    blob[blob.length / 2] ^= 0x55;
    assertThatThrownBy(() -> unpack(blob))
        .isInstanceOf(OciException.class)
        .hasMessageContaining("layer-0")
        .hasMessageContaining("cannot unpack");
  }

  static int mode(Path p) throws Exception {
    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
  }
}
