package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stat-based diff that turns a run step's effect into a layer. */
class RunStepSnapshotTest {
  @TempDir Path root;

  RunStepSnapshot snap() {
    return RunStepSnapshot.take(root, RunStep::isVolatile);
  }

  @Test
  void newChangedAndDeleted_entries_withRealParentModes() throws Exception {
    Files.createDirectories(root.resolve("etc/app"));
    Files.createDirectories(root.resolve("gone/deep"));
    Files.writeString(root.resolve("gone/deep/f"), "x");
    Files.writeString(root.resolve("etc/app/same"), "same");
    Files.writeString(root.resolve("etc/app/changed"), "one");
    Files.writeString(root.resolve("etc/app/removed"), "bye");
    Files.createDirectories(root.resolve("tmp"));
    Files.setPosixFilePermissions(
        root.resolve("etc/app"), PosixFilePermissions.fromString("rwxr-x---"));
    RunStepSnapshot before = snap();

    Files.writeString(root.resolve("etc/app/changed"), "two");
    Files.delete(root.resolve("etc/app/removed"));
    Files.writeString(root.resolve("etc/app/new"), "new");
    Files.createSymbolicLink(root.resolve("etc/app/link"), Path.of("new"));
    Files.writeString(root.resolve("tmp/scratch"), "tmp");
    Files.delete(root.resolve("gone/deep/f"));
    Files.delete(root.resolve("gone/deep"));
    Files.delete(root.resolve("gone"));

    var entries = before.diff(snap());

    assertThat(entries)
        .extracting(LayerEntry::path)
        .containsExactlyInAnyOrder(
            "/etc",
            "/etc/app",
            "/etc/app/changed",
            "/etc/app/new",
            "/etc/app/link",
            "/etc/app/removed",
            "/gone");
    assertThat(entries)
        .contains(new LayerEntry.Whiteout("/etc/app/removed"), new LayerEntry.Whiteout("/gone"));
    assertThat(entries)
        .filteredOn(e -> e.path().equals("/etc/app"))
        .singleElement()
        .satisfies(e -> assertThat(((LayerEntry.Directory) e).mode()).isEqualTo(0750));
  }

  @Test
  void chmod_alone_isAChange() throws Exception {
    Files.writeString(root.resolve("f"), "x");
    RunStepSnapshot before = snap();
    Files.setPosixFilePermissions(root.resolve("f"), PosixFilePermissions.fromString("rwx------"));
    assertThat(before.diff(snap())).extracting(LayerEntry::path).containsExactly("/f");
  }

  @Test
  void hardLinkedNewFiles_becomeAHardlinkEntry() throws Exception {
    RunStepSnapshot before = snap();
    Files.writeString(root.resolve("a"), "x");
    Files.createLink(root.resolve("b"), root.resolve("a"));
    assertThat(before.diff(snap())).contains(new LayerEntry.Hardlink("/b", "/a"));
  }
}
