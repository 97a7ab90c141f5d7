package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LayerUnpackerTest {
  private static final long TEN_MB = 10L << 20;

  @TempDir Path tmp;
  ImageStore store;
  Path target;
  Path outside;
  Path canary;

  @BeforeEach
  void setUp() throws Exception {
    store = ImageStore.open(tmp.resolve("store"));
    target = tmp.resolve("root");
    outside = tmp.resolve("outside");
    Files.createDirectories(outside);
    canary = Files.writeString(outside.resolve("canary"), "untouched");
  }

  private Descriptor layer(byte[] tar) {
    return store.put(MediaTypes.LAYER_TAR, tar);
  }

  private void unpack(Descriptor... layers) {
    new LayerUnpacker(TEN_MB).unpack(store, List.of(layers), target);
  }

  @Test
  void unpacksWhatLayerWriterWrote() throws Exception {
    Path src = Files.writeString(tmp.resolve("src.txt"), "hello");
    Descriptor d =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH)
            .write(
                store,
                List.of(
                    new LayerEntry.File("/app/hello.txt", src, 0640, 0, 0),
                    new LayerEntry.Bytes(
                        "/app/run.sh", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 04755, 0, 0),
                    new LayerEntry.Directory("/data", 0700, 0, 0),
                    new LayerEntry.Symlink("/app/link", "hello.txt", 0, 0),
                    new LayerEntry.Symlink("/app/abs", "/etc/hostname", 0, 0),
                    new LayerEntry.Hardlink("/app/hard", "/app/hello.txt")));
    unpack(d);
    assertThat(target.resolve("app/hello.txt")).hasContent("hello");
    assertThat(mode(target.resolve("app/hello.txt"))).isEqualTo(0640);
    assertThat(mode(target.resolve("app/run.sh"))).isEqualTo(04755);
    assertThat(mode(target.resolve("data"))).isEqualTo(0700);
    assertThat(mode(target.resolve("app"))).isEqualTo(0755);
    assertThat(Files.readSymbolicLink(target.resolve("app/link"))).isEqualTo(Path.of("hello.txt"));
    assertThat(Files.readSymbolicLink(target.resolve("app/abs")))
        .isEqualTo(Path.of("/etc/hostname"));
    assertThat(Files.isSameFile(target.resolve("app/hard"), target.resolve("app/hello.txt")))
        .isTrue();
  }

  @Test
  void unpacksGzipLayers() {
    byte[] tar = new Tars().dir("./etc").file("./etc/os-release", "ID=kiln\n").bytes();
    unpack(store.put(MediaTypes.LAYER_TAR_GZIP, Tars.gzip(tar)));
    assertThat(target.resolve("etc/os-release")).hasContent("ID=kiln\n");
  }

  @Test
  void appliesWhiteoutsAndOpaqueFoldersOfLaterLayers() {
    Descriptor lower =
        layer(
            new Tars()
                .file("a/keep", "1")
                .file("a/gone", "2")
                .dir("a/sub")
                .file("a/sub/x", "3")
                .file("b/old1", "4")
                .file("b/old2", "5")
                .symlink("c", "a")
                .bytes());
    Descriptor upper =
        layer(
            new Tars()
                .file("a/.wh.gone", "")
                .file("a/.wh.sub", "")
                .file(".wh.c", "")
                .file("b/.wh..wh..opq", "")
                .file("b/new", "6")
                .file("a/gone-too", "7")
                .bytes());
    unpack(lower, upper);
    assertThat(target.resolve("a/keep")).hasContent("1");
    assertThat(target.resolve("a/gone")).doesNotExist();
    assertThat(target.resolve("a/sub")).doesNotExist();
    assertThat(Files.exists(target.resolve("c"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(target.resolve("b").toFile().list()).containsExactly("new");
    assertThat(target.resolve("a/.wh.gone")).doesNotExist();
  }

  @Test
  void laterLayersReplaceFilesFoldersAndSymlinks() throws Exception {
    Descriptor lower =
        layer(new Tars().file("x", "file").dir("y").file("y/z", "1").file("l", "was file").bytes());
    Descriptor upper =
        layer(
            new Tars()
                .dir("x")
                .file("x/in", "2")
                .file("y", "now a file")
                .symlink("l", "x")
                .bytes());
    unpack(lower, upper);
    assertThat(target.resolve("x/in")).hasContent("2");
    assertThat(target.resolve("y")).hasContent("now a file");
    assertThat(Files.readSymbolicLink(target.resolve("l"))).isEqualTo(Path.of("x"));
  }

  @Test
  void skipsDeviceNodes() {
    unpack(layer(new Tars().dir("dev").charDevice("dev/null").file("ok", "1").bytes()));
    assertThat(Files.exists(target.resolve("dev/null"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(target.resolve("ok")).hasContent("1");
  }

  static Stream<Arguments> maliciousLayers() {
    return Stream.of(
        Arguments.of(
            "dot-dot",
            (Function<Path, byte[]>)
                out -> new Tars().file("../../etc/kiln-canary-evil", "x").bytes(),
            "../../etc/kiln-canary-evil"),
        Arguments.of(
            "dot-dot-middle",
            (Function<Path, byte[]>) out -> new Tars().file("a/../../outside/canary", "x").bytes(),
            "a/../../outside/canary"),
        Arguments.of(
            "dot-dot in a long (PAX) name",
            (Function<Path, byte[]>)
                out ->
                    new Tars()
                        .file("a/".repeat(60) + "../".repeat(62) + "etc/kiln-canary-evil", "x")
                        .bytes(),
            "etc/kiln-canary-evil"),
        Arguments.of(
            "absolute",
            (Function<Path, byte[]>) out -> new Tars().file("/abs-kiln-canary", "x").bytes(),
            "/abs-kiln-canary"),
        Arguments.of(
            "absolute into outside",
            (Function<Path, byte[]>)
                out -> new Tars().file(out.resolve("canary").toString(), "x").bytes(),
            "canary"),
        Arguments.of(
            "symlink to /etc then through it",
            (Function<Path, byte[]>)
                out ->
                    new Tars().symlink("evil", "/etc").file("evil/kiln-canary-evil", "x").bytes(),
            "evil/kiln-canary-evil"),
        Arguments.of(
            "symlink to outside then through it",
            (Function<Path, byte[]>)
                out -> new Tars().symlink("evil", out.toString()).file("evil/canary", "x").bytes(),
            "evil/canary"),
        Arguments.of(
            "symlink to ../.. then through it",
            (Function<Path, byte[]>)
                out -> new Tars().symlink("up", "../..").file("up/outside/canary", "x").bytes(),
            "up/outside/canary"),
        Arguments.of(
            "relative symlink inside, written through",
            (Function<Path, byte[]>)
                out -> new Tars().dir("real").symlink("alias", "real").file("alias/f", "x").bytes(),
            "alias/f"),
        Arguments.of(
            "hard link to /etc/shadow",
            (Function<Path, byte[]>) out -> new Tars().hardlink("shadow", "/etc/shadow").bytes(),
            "shadow"),
        Arguments.of(
            "hard link out with ..",
            (Function<Path, byte[]>) out -> new Tars().hardlink("c", "../outside/canary").bytes(),
            "c"),
        Arguments.of(
            "hard link through a symlink",
            (Function<Path, byte[]>)
                out -> new Tars().symlink("o", out.toString()).hardlink("c", "o/canary").bytes(),
            "'c'"),
        Arguments.of(
            "whiteout through a symlink",
            (Function<Path, byte[]>)
                out -> new Tars().symlink("o", out.toString()).file("o/.wh.canary", "").bytes(),
            "o/.wh.canary"),
        Arguments.of(
            "1 GB entry over a 10 MB limit",
            (Function<Path, byte[]>) out -> Tars.headerOnly("big", 1L << 30),
            "big"),
        Arguments.of(
            "gzip bomb over a 10 MB limit",
            (Function<Path, byte[]>)
                out -> Tars.gzip(new Tars().file("zeros", new byte[20 << 20], 0644).bytes()),
            "zeros"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("maliciousLayers")
  void refusesEntriesThatEscapeOrExplode(String name, Function<Path, byte[]> tar, String entry)
      throws Exception {
    Descriptor d = layer(tar.apply(outside));
    assertThatThrownBy(() -> unpack(d))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(d.digest().toString())
        .hasMessageContaining(entry)
        .hasMessageContaining("refused");
    assertThat(canary).hasContent("untouched");
    assertThat(outside.toFile().list()).containsExactly("canary");
    assertThat(Path.of("/etc/kiln-canary-evil")).doesNotExist();
    assertThat(Path.of("/abs-kiln-canary")).doesNotExist();
    assertThat(tmp.resolve("etc")).doesNotExist();
  }

  @Test
  void refusesWritingThroughASymlinkLeftByAnEarlierLayer() {
    Descriptor lower = layer(new Tars().symlink("evil", outside.toString()).bytes());
    Descriptor upper = layer(new Tars().file("evil/canary", "overwritten").bytes());
    assertThatThrownBy(() -> unpack(lower, upper))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(upper.digest().toString())
        .hasMessageContaining("evil/canary")
        .hasMessageContaining("symlink");
    assertThat(canary).hasContent("untouched");
  }

  @Test
  void theLimitCountsAllLayersTogether() {
    Descriptor a = layer(new Tars().file("a", new byte[6 << 20], 0644).bytes());
    Descriptor b = layer(new Tars().file("b", new byte[6 << 20], 0644).bytes());
    assertThatThrownBy(() -> unpack(a, b))
        .hasMessageContaining("'b'")
        .hasMessageContaining("limit");
  }

  @Test
  void namesACorruptLayerBlob() throws Exception {
    Descriptor d = layer(new Tars().file("f", "original content").bytes());
    byte[] blob = Files.readAllBytes(store.path(d.digest()));
    int at = new String(blob, StandardCharsets.ISO_8859_1).indexOf("original");
    blob[at] = 'X';
    Files.write(store.path(d.digest()), blob);
    assertThatThrownBy(() -> unpack(d))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(d.digest().toString())
        .hasMessageContaining("corrupt");
  }

  @Test
  void namesACorruptGzipLayerBlob() throws Exception {
    ByteArrayOutputStream big = new ByteArrayOutputStream();
    for (int i = 0; i < 20000; i++)
      big.write(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
    Descriptor d =
        store.put(
            MediaTypes.LAYER_TAR_GZIP,
            Tars.gzip(new Tars().file("f", big.toByteArray(), 0644).bytes()));
    byte[] blob = Files.readAllBytes(store.path(d.digest()));
    blob[blob.length / 2] ^= 0x55;
    Files.write(store.path(d.digest()), blob);
    assertThatThrownBy(() -> unpack(d))
        .isInstanceOf(ImageException.class)
        .hasMessageContaining(d.digest().toString())
        .hasMessageContaining("corrupt");
  }

  private static int mode(Path p) throws Exception {
    return ((Integer) Files.getAttribute(p, "unix:mode", LinkOption.NOFOLLOW_LINKS)) & 07777;
  }
}
