package dev.kiln.runtime.kubernetes;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.runtime.StopResult;
import dev.kiln.testkit.DriverConformance;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The kubernetes runtime against the shared conformance suite, through fabric8's mock API server
 * and the kubelet stand-in (which runs pods in bubblewrap through the process runtime). This tests
 * the Kubernetes API's shape, not a real cluster.
 */
class KubernetesDriverConformanceIT extends DriverConformance {
  private static MockCluster cluster;

  @BeforeAll
  static void startCluster() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/bwrap")),
        "the kubelet stand-in runs pods in bubblewrap (apt-get install bubblewrap)");
    cluster = new MockCluster(Files.createTempDirectory("kiln-kubelet-"));
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) cluster.close();
  }

  @Override
  protected RuntimeDriver createDriver(Path home, ImageSource images) {
    cluster.useImages(images);
    RuntimeDriver driver =
        RuntimeDrivers.create(
            "kubernetes",
            new DriverContext(home, Clock.systemUTC(), images, cluster.options("kiln")));
    return new NodeWithoutCgroups(driver);
  }

  /**
   * A real kubelet enforces {@code resources.limits} through cgroups; the stand-in's process
   * runtime records them without enforcing, so the memory-limit check is disclaimed here only.
   */
  private record NodeWithoutCgroups(RuntimeDriver driver) implements RuntimeDriver {
    @Override
    public String name() {
      return driver.name();
    }

    @Override
    public Capabilities capabilities() {
      Capabilities c = driver.capabilities();
      return new Capabilities(
          c.isolation(),
          c.readOnlyRoot(),
          c.volumes(),
          c.signals(),
          c.logStreaming(),
          c.reattach(),
          c.exec(),
          false);
    }

    @Override
    public InstanceStatus start(InstanceSpec spec) {
      return driver.start(spec);
    }

    @Override
    public Optional<InstanceStatus> inspect(InstanceId id) {
      return driver.inspect(id);
    }

    @Override
    public StopResult stop(InstanceId id, Duration grace) {
      return driver.stop(id, grace);
    }

    @Override
    public void destroy(InstanceId id) {
      driver.destroy(id);
    }

    @Override
    public List<InstanceStatus> list() {
      return driver.list();
    }

    @Override
    public String logs(InstanceId id, int maxBytes) {
      return driver.logs(id, maxBytes);
    }

    @Override
    public void close() {
      driver.close();
    }
  }
}
