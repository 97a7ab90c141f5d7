package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.testkit.TarLayer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LayerUnpackerTest {
  @TempDir Path dir;

  private Path root() throws IOException {
    return Files.createDirectories(dir.resolve("root"));
  }

  private static void apply(Path root, TarLayer layer) throws IOException {
    new LayerUnpacker(root).apply(new ByteArrayInputStream(layer.toTar()), "test-layer");
  }

  @Test
  void layersApplyInOrder_withFilesLinksAndModes() throws IOException {
    Path root = root();
    apply(
        root,
        new TarLayer()
            .dir("etc")
            .file("etc/a", "one")
            .symlink("etc/b", "a")
            .file("bin/x", new byte[] {1}, 0755));
    apply(root, new TarLayer().file("etc/a", "two").hardlink("etc/c", "etc/a"));

    assertThat(root.resolve("etc/a")).hasContent("two");
    assertThat(Files.readSymbolicLink(root.resolve("etc/b"))).isEqualTo(Path.of("a"));
    assertThat(root.resolve("etc/c")).hasContent("two");
    assertThat(Files.isExecutable(root.resolve("bin/x"))).isTrue();
  }

  @Test
  void whiteouts_deleteFromLowerLayers_andOpaqueDirsHideTheirOldContent() throws IOException {
    Path root = root();
    apply(root, new TarLayer().file("etc/gone", "x").file("etc/kept", "x").file("var/old/1", "x"));
    apply(root, new TarLayer().whiteout("etc/gone").file("var/old/new", "y").opaque("var/old"));

    assertThat(root.resolve("etc/gone")).doesNotExist();
    assertThat(root.resolve("etc/kept")).exists();
    assertThat(root.resolve("var/old/1")).doesNotExist();
    assertThat(root.resolve("var/old/new")).hasContent("y");
  }

  @Test
  void anEntryWithDotDot_isRefused() throws IOException {
    Path root = root();
    assertThatThrownBy(() -> apply(root, new TarLayer().file("etc/../../evil", "x")))
        .hasMessageContaining("escapes the root");
    assertThat(dir.resolve("evil")).doesNotExist();
  }

  @Test
  void anAbsoluteEntry_isRefused() throws IOException {
    Path root = root();
    assertThatThrownBy(() -> apply(root, new TarLayer().file("/tmp/evil", "x")))
        .hasMessageContaining("absolute path");
  }

  @Test
  void aSymlinkToTheHost_cannotRedirectALaterWrite() throws IOException {
    Path root = root();
    Path outside = Files.createDirectories(dir.resolve("outside"));
    apply(root, new TarLayer().symlink("escape", outside.toString()).symlink("up", "../../.."));
    apply(root, new TarLayer().file("escape/pwned", "x").file("up/also", "x"));

    assertThat(outside.resolve("pwned")).doesNotExist();
    assertThat(dir.resolve("also")).doesNotExist();
    // both land inside the root, where the links resolve when / is the root
    assertThat(root.resolve(outside.toString().substring(1)).resolve("pwned")).exists();
    assertThat(root.resolve("also")).exists();
  }

  @Test
  void aHardLinkOutOfTheRoot_isRefused() throws IOException {
    Path root = root();
    assertThatThrownBy(() -> apply(root, new TarLayer().hardlink("passwd", "../../etc/passwd")))
        .hasMessageContaining("escapes the root");
    assertThatThrownBy(() -> apply(root, new TarLayer().hardlink("passwd", "etc/passwd")))
        .hasMessageContaining("not a file in the image");
  }

  @Test
  void aWhiteoutOfDotDot_isRefused() throws IOException {
    Path root = root();
    assertThatThrownBy(() -> apply(root, new TarLayer().file("etc/.wh..", "")))
        .hasMessageContaining("bad whiteout");
    assertThat(dir).isDirectory();
  }
}
