package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What is removed from a fresh debootstrap root because it depends on the host or the day; one make
 * of a suite when two bakes want it at once.
 */
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

  /**
   * Two bakes on a fresh cache (two ITs of a build, in one JVM or two): the second waits for the
   * first's debootstrap and takes its root. Before, both debootstrapped, and the one that finished
   * second failed: its rename onto the first's root was a "Directory not empty" error that the race
   * handling did not catch.
   */
  @Test
  void twoBakesMakingOneSuiteAtOnce_makeItOnce_andBothGetTheRoot() throws Exception {
    Path cache = root.resolve("cache");
    AtomicInteger makes = new AtomicInteger();
    CountDownLatch making = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DebianBase.Maker maker =
        (suite, target) -> {
          makes.incrementAndGet();
          Files.createDirectories(target.resolve("etc"));
          Files.writeString(target.resolve("etc/os-release"), "ID=debian\n");
          making.countDown();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
        };
    AtomicReference<Object> first = new AtomicReference<>();
    AtomicReference<Object> second = new AtomicReference<>();
    Thread a = bake(new DebianBase(cache, root.resolve("a"), n -> {}, maker), first);
    making.await();
    Thread b = bake(new DebianBase(cache, root.resolve("b"), n -> {}, maker), second);
    // b waits for a's make (or, without the lock, starts a second one)
    while (b.isAlive() && b.getState() != Thread.State.BLOCKED && makes.get() < 2) {
      Thread.onSpinWait();
    }
    release.countDown();
    a.join();
    b.join();

    assertThat(makes).hasValue(1);
    assertThat(first.get()).isEqualTo(cache.resolve("bookworm"));
    assertThat(second.get()).isEqualTo(cache.resolve("bookworm"));
    assertThat(cache.resolve("bookworm/etc/os-release")).hasContent("ID=debian");
    try (var left = Files.newDirectoryStream(cache, "bookworm.tmp-*")) {
      assertThat(left).isEmpty();
    }
  }

  /** The package cache keeps one file per package and architecture: the newest. */
  @Test
  void prune_keepsTheNewestFileOfEachPackage() throws Exception {
    Path debs = Files.createDirectories(root.resolve("debs"));
    Path old = Files.writeString(debs.resolve("base-files_12.4+deb12u14_amd64.deb"), "old");
    Path fresh = Files.writeString(debs.resolve("base-files_12.4+deb12u15_amd64.deb"), "new");
    Path other = Files.writeString(debs.resolve("libc6_2.36-9+deb12u13_amd64.deb"), "libc");
    Path arch = Files.writeString(debs.resolve("libc6_2.36-9+deb12u12_i386.deb"), "i386");
    Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    Files.setLastModifiedTime(fresh, java.nio.file.attribute.FileTime.fromMillis(2_000_000));

    DebianBase.prune(debs);

    assertThat(old).doesNotExist();
    assertThat(fresh).exists();
    assertThat(other).exists();
    assertThat(arch).exists();
  }

  /** Runs {@code rootfs("bookworm")} in a thread; its root, or what it threw, into {@code out}. */
  private static Thread bake(DebianBase base, AtomicReference<Object> out) {
    return Thread.ofPlatform()
        .start(
            () -> {
              try {
                out.set(base.rootfs("bookworm"));
              } catch (RuntimeException e) {
                out.set(e);
              }
            });
  }
}
