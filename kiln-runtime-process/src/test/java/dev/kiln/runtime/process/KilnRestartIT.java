package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real restart: another JVM (a stand-in for the Kiln process) starts an instance and exits; this
 * JVM's driver finds it still serving and adopts it — exactly once — and can stop it.
 */
class KilnRestartIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();

  @TempDir Path home;

  /** The "earlier Kiln": starts one instance and exits without stopping it. */
  public static void main(String[] args) {
    var driver =
        new ProcessDriver(
            new DriverContext(
                Path.of(args[0]),
                Clock.systemUTC(),
                new InMemoryImageSource().add(IMAGE),
                Map.of()));
    driver.start(
        Instances.spec("survivor", IMAGE.manifestDigest()).port(Integer.parseInt(args[1])).build());
    System.exit(0);
  }

  @Test
  void anInstanceOutlivesTheKilnProcessThatStartedIt_andIsAdoptedByTheNextOne() throws Exception {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
    int port = Instances.freePort();
    String classPath =
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    Process earlier =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                classPath,
                KilnRestartIT.class.getName(),
                home.toString(),
                Integer.toString(port))
            .inheritIO()
            .start();
    assertThat(earlier.waitFor()).isZero();

    RuntimeDriver driver =
        new ProcessDriver(
            new DriverContext(
                home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of()));
    try {
      // adopted with its network: the new driver's reclaim kept the slot the survivor uses
      String host = driver.inspect(InstanceId.of("survivor")).orElseThrow().address();
      assertThat(Await.httpGet(host, port, "/index.html").statusCode()).isEqualTo(200);
      List<InstanceStatus> adopted = driver.list();
      assertThat(adopted).extracting(InstanceStatus::id).containsExactly(InstanceId.of("survivor"));
      assertThat(adopted.getFirst().running()).isTrue();

      // the adopted record names the command itself: httpd has no SIGTERM handler and dies of it
      var stopped = driver.stop(InstanceId.of("survivor"), Duration.ofSeconds(30));
      assertThat(stopped.graceful()).isTrue();
      assertThat(stopped.killed()).isFalse();
      assertThat(driver.inspect(InstanceId.of("survivor")).orElseThrow().exitCode()).hasValue(143);
    } finally {
      driver.list().forEach(s -> driver.destroy(s.id()));
      driver.close();
    }
  }
}
