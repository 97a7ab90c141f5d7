package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Option {@code root-image=erofs}: an image's root as a reproducible erofs image on a loop device,
 * read-only even to root on the host; {@code kiln status} (the instance's detail) says so.
 */
class ImageRootIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private RuntimeDriver driver;

  @BeforeAll
  static void needsBubblewrapAndErofs() {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
    assumeTrue(HostTools.find("mkfs.erofs").isPresent(), "erofs-utils is not installed");
    assumeTrue(Files.exists(Path.of("/dev/loop-control")), "no loop devices");
  }

  @BeforeEach
  void newDriver() {
    driver =
        RuntimeDrivers.create(
            "process",
            new DriverContext(
                home,
                Clock.systemUTC(),
                new InMemoryImageSource().add(IMAGE),
                Map.of("root-image", "erofs")));
  }

  @AfterEach
  void cleanUp() {
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
    ImageMount.unmount(target());
  }

  private Path target() {
    return home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex());
  }

  @Test
  void theRootIsAnErofsImage_readOnlyEvenToHostRoot_andStatusSaysSo() throws Exception {
    InstanceSpec spec = Instances.spec("ro", IMAGE.manifestDigest()).build();
    var status = driver.start(spec);
    Await.httpGet(status.address(), spec.port(), "/index.html");

    assertThat(status.detail().orElseThrow()).contains("root: erofs image on a loop device");
    assertThat(Files.readString(Path.of("/proc/self/mountinfo")))
        .contains(target().resolve("mnt") + " ")
        .contains(" erofs ");
    assertThatThrownBy(() -> Files.writeString(target().resolve("mnt/www/planted.html"), "x"))
        .isInstanceOf(java.io.IOException.class)
        .hasMessageContaining("Read-only file system");
    assertThat(Files.readString(target().resolve("root.erofs.sha256")).strip())
        .isEqualTo(ImageMount.sha256(target().resolve("root.erofs")));
  }

  @Test
  void theImageIsReproducible_sameTreeSameBytes() throws Exception {
    driver.start(Instances.spec("a", IMAGE.manifestDigest()).build());
    Path again = home.resolve("again.erofs");
    ImageMount.build(target().resolve("root"), again);
    assertThat(ImageMount.sha256(again))
        .isEqualTo(ImageMount.sha256(target().resolve("root.erofs")));
  }

  @Test
  void whereItCannotMount_theTreeIsUsed() {
    // no tree to build from: mkfs.erofs fails, and the caller keeps the directory tree
    assertThat(new ImageMount().mount(home.resolve("nothing-here"))).isEmpty();
  }
}
