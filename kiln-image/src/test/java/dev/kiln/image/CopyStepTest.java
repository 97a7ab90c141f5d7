package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Location;
import dev.kiln.model.Step;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Copy sources: semantics, modes, and everything that would bring in files from outside. */
class CopyStepTest {
  @TempDir Path tmp;
  Path folder;
  Path outside;

  @BeforeEach
  void setUp() throws Exception {
    folder = Files.createDirectories(tmp.resolve("project"));
    outside = Files.writeString(tmp.resolve("secret.txt"), "secret");
    Files.createDirectories(folder.resolve("site/sub"));
    Files.writeString(folder.resolve("site/index.html"), "hi");
    Files.writeString(folder.resolve("site/sub/run.sh"), "#!/bin/sh");
    folder.resolve("site/sub/run.sh").toFile().setExecutable(true);
  }

  CopyStep.Plan plan(String src, String dest) {
    return CopyStep.plan(
        folder,
        new Step.Copy(src, dest, Optional.empty(), new Location(folder.resolve("kiln.yaml"), 7, 9)),
        "kiln.yaml:7:9: image hello: copy step",
        CopyStep.FileHasher::sha256);
  }

  @Test
  void trailingSlash_copiesContents_withoutSlash_theFolderItself() {
    assertThat(plan("site/", "/www").entries())
        .extracting(LayerEntry::path)
        .contains("/www", "/www/index.html", "/www/sub/run.sh");
    assertThat(plan("site", "/www").entries())
        .extracting(LayerEntry::path)
        .contains("/www/site", "/www/site/index.html");
    assertThat(plan("site/index.html", "/www/").entries())
        .extracting(LayerEntry::path)
        .containsExactly("/www/index.html");
    assertThat(plan("site/index.html", "/i.html").entries())
        .extracting(LayerEntry::path)
        .containsExactly("/i.html");
  }

  @Test
  void modes_areExecutableOrNot_unlessGiven() {
    assertThat(plan("site/", "/www").entries())
        .filteredOn(e -> e instanceof LayerEntry.File)
        .extracting(e -> ((LayerEntry.File) e).mode())
        .containsExactlyInAnyOrder(0644, 0755);
    var given =
        CopyStep.plan(
            folder,
            new Step.Copy("site/index.html", "/i", Optional.of(0600), Location.UNKNOWN),
            "x",
            CopyStep.FileHasher::sha256);
    assertThat(((LayerEntry.File) given.entries().get(0)).mode()).isEqualTo(0600);
  }

  @Test
  void inputsDigest_followsContent_notTimes() throws Exception {
    var before = plan("site/", "/www").inputs();
    Files.setLastModifiedTime(
        folder.resolve("site/index.html"), java.nio.file.attribute.FileTime.fromMillis(0));
    assertThat(plan("site/", "/www").inputs()).isEqualTo(before);
    Files.writeString(folder.resolve("site/index.html"), "changed");
    assertThat(plan("site/", "/www").inputs()).isNotEqualTo(before);
  }

  @Test
  void missingSource_namesItAndTheFolder() throws Exception {
    assertThatThrownBy(() -> plan("nope/", "/www"))
        .isInstanceOf(BakerException.class)
        .hasMessageContaining(
            "kiln.yaml:7:9: image hello: copy step: copy source nope/ not found under "
                + folder.toRealPath());
  }

  @Test
  void destLeavingTheImageRoot_isRefused() {
    assertThatThrownBy(() -> plan("site/", "/../../tmp/x"))
        .isInstanceOf(BakerException.class)
        .hasMessageEndingWith(
            ": copy dest /../../tmp/x may not contain .. (it would leave the image root)");
  }

  @Test
  void dotDot_isRefused() {
    assertThatThrownBy(() -> plan("../secret.txt", "/s"))
        .hasMessageContaining("outside the blueprint folder");
  }

  @Test
  void sourceThatIsASymlinkOut_isRefused() throws Exception {
    Files.createSymbolicLink(folder.resolve("link"), outside);
    assertThatThrownBy(() -> plan("link", "/s"))
        .hasMessageContaining("outside the blueprint folder");
  }

  @Test
  void absoluteSymlinkInsideTheTree_isRefused_namingTheFile() throws Exception {
    Files.createSymbolicLink(folder.resolve("site/abs"), outside);
    assertThatThrownBy(() -> plan("site/", "/www"))
        .hasMessageContaining("symlink abs -> " + outside);
  }

  @Test
  void relativeSymlinkEscapingTheTree_isRefused_butOneInside_isKept() throws Exception {
    Files.createSymbolicLink(folder.resolve("site/sub/home"), Path.of("../index.html"));
    assertThat(plan("site/", "/www").entries())
        .contains(new LayerEntry.Symlink("/www/sub/home", "../index.html", 0, 0));
    Files.createSymbolicLink(folder.resolve("site/up"), Path.of("../../secret.txt"));
    assertThatThrownBy(() -> plan("site/", "/www"))
        .hasMessageContaining("symlink up -> ../../secret.txt");
  }

  @Test
  void hardLinkToAFileOutside_isRefused_butLinksWithinTheTree_areCopied() throws Exception {
    Files.createLink(folder.resolve("site/twin.html"), folder.resolve("site/index.html"));
    assertThat(plan("site/", "/www").entries())
        .extracting(LayerEntry::path)
        .contains("/www/twin.html");
    Files.createLink(folder.resolve("site/stolen"), outside);
    assertThatThrownBy(() -> plan("site/", "/www"))
        .hasMessageContaining("hard link to a file outside");
  }
}
