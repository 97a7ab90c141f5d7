package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is removed from a fresh debootstrap root because it depends on the host or the day. */
class DebianBaseTest {
  @TempDir Path root;

  @Test
  void normalize_emptiesHostFiles_andClearsLogsAndAptLists_keepingFolders() throws Exception {
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(root.resolve("etc/machine-id"), "abc\n");
    Files.writeString(root.resolve("etc/hostname"), "buildhost\n");
    Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
    Files.createDirectories(root.resolve("var/log/apt"));
    Files.writeString(root.resolve("var/log/apt/history.log"), "x");
    Files.createDirectories(root.resolve("var/lib/apt/lists/partial"));
    Files.writeString(root.resolve("var/lib/apt/lists/deb_Packages"), "x");
    Files.createDirectories(root.resolve("var/lib/dpkg"));
    Files.writeString(root.resolve("var/lib/dpkg/status-old"), "x");
    Files.writeString(root.resolve("var/lib/dpkg/status"), "x");

    DebianBase.normalize(root);

    assertThat(root.resolve("etc/machine-id")).isEmptyFile();
    assertThat(root.resolve("etc/hostname")).isEmptyFile();
    assertThat(root.resolve("etc/passwd")).hasContent("root:x:0:0::/root:/bin/sh");
    assertThat(root.resolve("var/log/apt")).isEmptyDirectory();
    assertThat(root.resolve("var/lib/apt/lists/partial")).isDirectory();
    assertThat(root.resolve("var/lib/apt/lists/deb_Packages")).doesNotExist();
    assertThat(root.resolve("var/lib/dpkg/status-old")).doesNotExist();
    assertThat(root.resolve("var/lib/dpkg/status")).exists();
  }
}
