package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.testkit.TarLayer;
import dev.kiln.testkit.TestImages;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RootfsCacheTest {
  @TempDir Path home;

  private final ImageContent image =
      TestImages.scratch().layer(new TarLayer().dir("etc").file("etc/motd", "hi")).build();

  @Test
  void anImageIsUnpackedOnce_withModesExactlyAsSigned_andShared() throws IOException {
    Path first = new RootfsCache(home).ensure(image);
    Path second = new RootfsCache(home).ensure(image);

    assertThat(second).isEqualTo(first);
    assertThat(first).isEqualTo(home.resolve(image.manifestDigest().hex()).resolve("root"));
    assertThat(first.resolve("etc/motd")).hasContent("hi");
    // exactly as the layer says: instances bind the root read-only, so no write bit is needed off
    assertThat(Files.getAttribute(first.resolve("etc/motd"), "unix:mode")).isEqualTo(0100644);
    assertThat(first.resolve("proc")).isDirectory();
    try (var leftovers = Files.list(home)) {
      assertThat(leftovers.filter(p -> p.getFileName().toString().startsWith(".tmp"))).isEmpty();
    }
  }

  @Test
  void aRootfsChangedOnDisk_isDetected_andRecreated() throws IOException {
    Path root = new RootfsCache(home).ensure(image);
    Path motd = root.resolve("etc/motd");
    motd.toFile().setWritable(true);
    Files.writeString(motd, "tampered");

    Path again = new RootfsCache(home).ensure(image);

    assertThat(again.resolve("etc/motd")).hasContent("hi");
  }

  @Test
  void aLayerThatDoesNotMatchItsDigest_isRefused_andNothingIsLeft() throws IOException {
    ImageContent bad = TestImages.tampered(image);

    assertThatThrownBy(() -> new RootfsCache(home).ensure(bad))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("does not match its digest");
    try (var left = Files.list(home)) {
      assertThat(left.filter(p -> !p.getFileName().toString().endsWith(".lock"))).isEmpty();
    }
  }
}
