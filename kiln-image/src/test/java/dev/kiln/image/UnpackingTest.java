package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.oci.UnpackLimits;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Store layers through kiln-oci's unpacker: what LayerWriter writes comes back, and a corrupt blob
 * is named by the store's digest check. The security tests of unpacking are kiln-oci's
 * LayerUnpackerTest.
 */
class UnpackingTest {
  private static final UnpackLimits TEN_MB = new UnpackLimits(10L << 20, 10L << 20, 1000, 200);

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
    Unpacking.unpack(store, List.of(layers), target, TEN_MB);
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
    // LayerWriter strips set-uid (SpecialFiles); the unpacker keeps every other bit as written
    assertThat(mode(target.resolve("app/run.sh"))).isEqualTo(0755);
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
