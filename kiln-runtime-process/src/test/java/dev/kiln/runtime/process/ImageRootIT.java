package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.Drift;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option {@code root-image}: an image's root as a reproducible erofs (default where the host can)
 * or squashfs image on a loop device, read-only even to root on the host, one mount per image
 * shared by its instances and released with the last of them; {@code kiln status} (the instance's
 * detail) says which root is in use.
 */
class ImageRootIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private RuntimeDriver driver;

  @BeforeAll
  static void needsBubblewrapAndLoopDevices() {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
    assumeTrue(HostTools.find("mkfs.erofs").isPresent(), "erofs-utils is not installed");
    assumeTrue(HostTools.find("mksquashfs").isPresent(), "squashfs-tools is not installed");
    assumeTrue(
        ImageMount.whyNot(RootKind.EROFS, Path.of(System.getProperty("java.io.tmpdir"))).isEmpty(),
        "no loop devices, or erofs does not mount here");
  }

  private RuntimeDriver newDriver(Map<String, String> options) {
    driver =
        RuntimeDrivers.create(
            "process",
            new DriverContext(
                home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), options));
    return driver;
  }

  @AfterEach
  void cleanUp() throws IOException {
    if (driver != null) {
      driver.list().forEach(s -> driver.destroy(s.id()));
      driver.close();
    }
    // whatever happened, no loop device of this test is left behind for the next one
    for (RootKind kind : RootKind.IMAGES) {
      Path mnt = target().resolve(kind.mountDir);
      if (ImageMount.isMounted(mnt)) new ProcessBuilder("umount", mnt.toString()).start();
    }
  }

  private Path target() {
    return home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex());
  }

  /** The loop devices whose backing file is under this test's home ({@code losetup -a}). */
  private List<String> loopDevicesOfThisTest() throws Exception {
    Process p = new ProcessBuilder("losetup", "-a").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out.lines().filter(l -> l.contains(home.toString())).toList();
  }

  private static <T> T call(java.util.concurrent.Callable<T> c) {
    try {
      return c.call();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void byDefault_theRootIsAnErofsImage_readOnlyEvenToHostRoot_andStatusSaysSo() throws Exception {
    newDriver(Map.of());
    InstanceSpec spec = Instances.spec("ro", IMAGE.manifestDigest()).build();
    var status = driver.start(spec);
    assertThat(Await.httpGet(status.address(), spec.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");

    assertThat(status.detail().orElseThrow()).contains(RootKind.EROFS.status);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .contains(target().resolve("mnt") + " ")
        .contains(" erofs ");
    assertThatThrownBy(() -> Files.writeString(target().resolve("mnt/www/index.html"), "x"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Read-only file system");
    assertThat(Files.readString(target().resolve("root.erofs.sha256")).strip())
        .isEqualTo(ImageMount.sha256(target().resolve("root.erofs")));

    // the unpacked tree is still there (it is what the image is built from), but a host-side
    // write to it does not reach what the instance serves
    Path treeIndex = target().resolve("root/www/index.html");
    assertThat(treeIndex.toFile().setWritable(true)).isTrue();
    Files.writeString(treeIndex, "defaced\n");
    assertThat(Await.httpGet(status.address(), spec.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");
  }

  @Test
  void theErofsImageIsReproducible_sameTreeSameBytes() throws Exception {
    newDriver(Map.of("root-image", "erofs"))
        .start(Instances.spec("a", IMAGE.manifestDigest()).build());
    Path again = home.resolve("again.erofs");
    ImageMount.build(RootKind.EROFS, target().resolve("root"), again);
    assertThat(ImageMount.sha256(again))
        .isEqualTo(ImageMount.sha256(target().resolve("root.erofs")));
  }

  @Test
  void squashfs_isByteIdenticalForTheSameTree_andTheInstanceServesFromIt() throws Exception {
    newDriver(Map.of("root-image", "squashfs"));
    InstanceSpec spec = Instances.spec("sq", IMAGE.manifestDigest()).build();
    var status = driver.start(spec);
    assertThat(Await.httpGet(status.address(), spec.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");
    assertThat(status.detail().orElseThrow()).contains(RootKind.SQUASHFS.status);
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .contains(target().resolve("mnt-squashfs") + " ")
        .contains(" squashfs ");
    assertThatThrownBy(
            () -> Files.writeString(target().resolve("mnt-squashfs/www/index.html"), "x"))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("Read-only file system");
    assertThat(Files.readString(target().resolve("root.squashfs.sha256")).strip())
        .isEqualTo(ImageMount.sha256(target().resolve("root.squashfs")));

    Path once = home.resolve("once.squashfs");
    Path twice = home.resolve("twice.squashfs");
    ImageMount.build(RootKind.SQUASHFS, target().resolve("root"), once);
    Thread.sleep(1100); // a second later: no build time or clock reading may reach the bytes
    ImageMount.build(RootKind.SQUASHFS, target().resolve("root"), twice);
    assertThat(ImageMount.sha256(once))
        .isEqualTo(ImageMount.sha256(twice))
        .isEqualTo(ImageMount.sha256(target().resolve("root.squashfs")));
  }

  @Test
  void oneMountPerImage_sharedByItsInstances_releasedWithTheLast_noLoopDeviceLeft()
      throws Exception {
    assertThat(loopDevicesOfThisTest()).isEmpty();
    newDriver(Map.of());
    InstanceSpec a = Instances.spec("a", IMAGE.manifestDigest()).build();
    InstanceSpec b = Instances.spec("b", IMAGE.manifestDigest()).build();
    driver.start(a);
    driver.start(b);
    assertThat(loopDevicesOfThisTest()).hasSize(1);

    driver.stop(a.id(), Duration.ofSeconds(5));
    assertThat(ImageMount.isMounted(target().resolve("mnt"))).as("b still runs from it").isTrue();
    driver.stop(b.id(), Duration.ofSeconds(5));
    assertThat(ImageMount.isMounted(target().resolve("mnt"))).isFalse();
    assertThat(loopDevicesOfThisTest()).isEmpty();

    // the next start mounts it again (after re-hashing the file), and close releases it
    InstanceSpec c = Instances.spec("c", IMAGE.manifestDigest()).build();
    var status = driver.start(c);
    Await.httpGet(status.address(), c.port(), "/index.html");
    assertThat(loopDevicesOfThisTest()).hasSize(1);
    // destroy, not only stop: a stopped instance keeps its network slot until it is destroyed, and
    // with the driver gone the cleanup below would leave a's and b's namespaces on the host
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
    driver = null;
    assertThat(loopDevicesOfThisTest()).isEmpty();
  }

  @Test
  void anInstanceAdoptedByTheNextDriver_keepsTheMount_untilItStops() throws Exception {
    newDriver(Map.of());
    InstanceSpec a = Instances.spec("a", IMAGE.manifestDigest()).build();
    var status = driver.start(a);
    driver.close(); // a restart of Kiln: the instance keeps running, and so its root
    assertThat(ImageMount.isMounted(target().resolve("mnt"))).isTrue();

    newDriver(Map.of());
    assertThat(Await.httpGet(status.address(), a.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");
    driver.stop(a.id(), Duration.ofSeconds(5));
    assertThat(ImageMount.isMounted(target().resolve("mnt"))).isFalse();
    assertThat(loopDevicesOfThisTest()).isEmpty();
  }

  @Test
  void aTreeDefacedWhileItsImageIsMounted_isRebuilt_andTheOldMountIsNotLeftBehind()
      throws Exception {
    newDriver(Map.of());
    InstanceSpec a = Instances.spec("a", IMAGE.manifestDigest()).build();
    var first = driver.start(a);
    driver.close(); // a restart of Kiln while a runs: its image stays mounted
    Path treeIndex = target().resolve("root/www/index.html");
    assertThat(treeIndex.toFile().setWritable(true)).isTrue();
    Files.writeString(treeIndex, "defaced\n");

    newDriver(Map.of());
    InstanceSpec b = Instances.spec("b", IMAGE.manifestDigest()).build();
    var second = driver.start(b); // the tree no longer matches: moved aside, rebuilt, re-imaged
    assertThat(Await.httpGet(second.address(), b.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");
    assertThat(Await.httpGet(first.address(), a.port(), "/index.html").body())
        .as("a keeps the image it started from, in its own mount namespace")
        .isEqualTo("hello from kiln\n");
    // the old image is no longer mounted on the host (in the aside directory); its loop device
    // lives on only while a, whose namespace holds it, runs
    assertThat(Files.readString(Path.of("/proc/self/mountinfo"))).doesNotContain(".drifted-");
    driver.stop(a.id(), Duration.ofSeconds(5));
    driver.stop(b.id(), Duration.ofSeconds(5));
    Await.untilTrue(
        "a's loop device freed with a", () -> call(this::loopDevicesOfThisTest).isEmpty());
  }

  @Test
  void aHostWriteToTheImageFile_isRootDrift_namingTheImageAndBothHashes() throws Exception {
    // the full re-read every second: on an image root it must not find drift where there is none
    newDriver(Map.of("root-image", "erofs", "drift-verify-seconds", "1"));
    InstanceSpec spec = Instances.spec("w", IMAGE.manifestDigest()).build();
    driver.start(spec);
    Path image = target().resolve("root.erofs");
    String expected = ImageMount.sha256(image);
    long until = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    while (System.nanoTime() < until) {
      assertThat(driver.drift()).as("no drift on an untouched image").isEmpty();
      Thread.sleep(100);
    }

    // a host-side append to the file behind the loop device (the mount itself is read-only)
    Files.write(image, new byte[] {'k'}, java.nio.file.StandardOpenOption.APPEND);
    String found = ImageMount.sha256(image);
    Drift drift =
        Await.until(
            "root drift on the image file",
            () ->
                driver.drift().stream()
                    .filter(d -> d.surface() == Drift.Surface.ROOTFS)
                    .findFirst());
    assertThat(drift.instance()).isEqualTo(spec.id());
    assertThat(drift.subject()).isEqualTo(image.toString());
    assertThat(drift.evidence())
        .containsEntry("path", image.toString())
        .containsEntry("expected", expected)
        .containsEntry("found", found);

    // the replacement's start re-hashes the image, so rebuilds it: it runs clean from a new file
    InstanceSpec next = Instances.spec("w2", IMAGE.manifestDigest()).build();
    var status = driver.start(next);
    assertThat(Await.httpGet(status.address(), next.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");
    assertThat(ImageMount.sha256(image)).isEqualTo(expected);
    until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
    while (System.nanoTime() < until) {
      assertThat(driver.drift()).noneMatch(d -> d.instance().equals(next.id()));
      Thread.sleep(100);
    }
  }

  @Test
  void rootImageTree_isTheWatchedDirectoryTree() throws Exception {
    newDriver(Map.of("root-image", "tree"));
    InstanceSpec spec = Instances.spec("t", IMAGE.manifestDigest()).build();
    var status = driver.start(spec);
    assertThat(status.detail().orElseThrow()).contains(RootKind.TREE.status);
    assertThat(ImageMount.isMounted(target().resolve("mnt"))).isFalse();
  }

  @Test
  void whereAnImageCannotBeMounted_autoKeepsTheTree_anExplicitKindFails() {
    Path nothing = home.resolve("nothing-here/root"); // no tree: the build fails
    ImageMount auto = new ImageMount(RootKind.EROFS, false, home, home.resolve("instances"));
    assertThat(auto.acquire(nothing, "x")).isEqualTo(nothing);
    ImageMount explicit = new ImageMount(RootKind.EROFS, true, home, home.resolve("instances"));
    assertThatThrownBy(() -> explicit.acquire(nothing, "x"))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("cannot mount the erofs image of nothing-here");
  }

  @Test
  void theProbe_namesAMissingLoopDeviceOrTool_andLeavesNothing() throws IOException {
    assertThat(ImageMount.whyNot(RootKind.SQUASHFS, home)).isEmpty();
    try (var left = Files.list(home)) {
      assertThat(left).isEmpty();
    }
  }
}
