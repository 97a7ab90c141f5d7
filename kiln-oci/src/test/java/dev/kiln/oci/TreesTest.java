package dev.kiln.oci;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TreesTest {
  @TempDir Path tmp;

  @Test
  void deletesReadOnlyTrees_butNeverFollowsASymlinkOut() throws Exception {
    Path outside = Files.createDirectories(tmp.resolve("outside"));
    Files.writeString(outside.resolve("keep"), "host file");
    Path tree = Files.createDirectories(tmp.resolve("tree/proc/sub"));
    Files.writeString(tree.resolve("f"), "x");
    Files.createSymbolicLink(tmp.resolve("tree/link"), outside);
    Files.setAttribute(tmp.resolve("tree/proc"), "unix:mode", 0555);
    Files.setAttribute(tree, "unix:mode", 0500);

    Trees.delete(tmp.resolve("tree"));

    assertThat(Files.exists(tmp.resolve("tree"), LinkOption.NOFOLLOW_LINKS)).isFalse();
    assertThat(outside.resolve("keep")).hasContent("host file");
  }

  @Test
  void deletingWhatIsNotThere_isNothing() throws Exception {
    Trees.delete(tmp.resolve("absent"));
    Trees.deleteQuietly(tmp.resolve("absent"));
    assertThat(tmp.toFile().list()).isEmpty();
  }
}
