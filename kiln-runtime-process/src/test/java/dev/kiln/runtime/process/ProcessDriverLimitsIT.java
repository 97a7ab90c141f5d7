package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.model.Resources;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.runtime.Termination;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process runtime's cgroups on this host's real cgroup v1 hierarchy: where each instance's
 * cgroup is, what it holds, and that none outlives its instance. (The conformance suite covers the
 * OOM kill, the fork bomb and the CPU quota.)
 */
class ProcessDriverLimitsIT {
  private static final Path FS = Path.of("/sys/fs/cgroup");
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private final InMemoryImageSource images = new InMemoryImageSource().add(IMAGE);
  private final String parent =
      "kiln-test-" + Long.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
  private RuntimeDriver driver;

  @BeforeAll
  static void needsBubblewrapAndCgroups() {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
    assumeTrue(
        Cgroups.detect(FS, "kiln").isPresent(), "no writable cgroups on this host (run as root)");
  }

  @BeforeEach
  void createDriver() {
    driver = newDriver();
  }

  private RuntimeDriver newDriver() {
    return RuntimeDrivers.create(
        "process",
        new DriverContext(
            home, Clock.systemUTC(), images, Map.of("sandbox", "bwrap", "cgroup-parent", parent)));
  }

  @AfterEach
  void cleanUp() {
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
    for (String controller : Cgroups.V1_CONTROLLERS) Cgroups.rmdir(cgroupsOf(controller));
  }

  private Path cgroupsOf(String controller) {
    return Cgroups.detect(FS, parent).orElseThrow() instanceof CgroupV2
        ? FS.resolve(parent)
        : FS.resolve(controller).resolve(parent);
  }

  private Path cgroup(String controller, InstanceSpec spec) {
    return cgroupsOf(controller).resolve(spec.id().value());
  }

  private Instances spec(String name) {
    return Instances.spec(name, IMAGE.manifestDigest());
  }

  @Test
  void everyProcessOfTheInstance_isInItsCgroup_withItsLimits_fromTheStart() throws Exception {
    InstanceSpec spec =
        spec("limited")
            .limits(new Resources(96L * 1024 * 1024, 500, 40))
            .shell("sleep 600 & exec sleep 601")
            .build();
    driver.start(spec);
    InstanceStatus status = driver.inspect(spec.id()).orElseThrow();

    assertThat(Files.readString(cgroup("memory", spec).resolve("memory.limit_in_bytes")).strip())
        .isEqualTo(Long.toString(96L * 1024 * 1024));
    assertThat(Files.readString(cgroup("cpu", spec).resolve("cpu.cfs_quota_us")).strip())
        .isEqualTo("50000");
    assertThat(Files.readString(cgroup("pids", spec).resolve("pids.max")).strip()).isEqualTo("40");
    // the supervisor shell, bwrap and both sleeps: nothing of the instance runs outside
    String procs = Files.readString(cgroup("pids", spec).resolve("cgroup.procs"));
    assertThat(procs.lines().count()).isGreaterThanOrEqualTo(3);
    assertThat(status.usage().orElseThrow().pids()).isGreaterThanOrEqualTo(3);
    assertThat(status.usage().orElseThrow().memoryBytes()).isPositive();
  }

  @Test
  void anInstanceWithoutLimits_isAccountedToo() {
    InstanceSpec spec = spec("unlimited").build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/");

    assertThat(Files.isDirectory(cgroup("cpuacct", spec))).isTrue();
    assertThat(driver.inspect(spec.id()).orElseThrow().usage().orElseThrow().pids()).isPositive();
  }

  @Test
  void aProgramThatExitsOnARefusedFork_isReportedAsStoppedByItsPidsLimit() {
    InstanceSpec spec =
        spec("forks")
            .limits(new Resources(0, 0, 12))
            .shell("i=0; while [ $i -lt 50 ]; do sleep 600 & i=$((i+1)); done; exec sleep 600")
            .build();
    driver.start(spec);

    InstanceStatus ended =
        Await.until(
            "the instance to exit at its pids limit",
            () -> driver.inspect(spec.id()).filter(s -> !s.running()));

    assertThat(ended.termination()).contains(Termination.PIDS_LIMIT);
    assertThat(ended.usage().orElseThrow().pidsRefused()).isPositive();
  }

  @Test
  void stoppingAnInstance_removesItsCgroup_butKeepsItsCounters() {
    InstanceSpec spec = spec("stopped").limits(new Resources(0, 300, 0)).build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/");

    driver.stop(spec.id(), Duration.ofSeconds(5));

    // a straggler (busybox httpd's per-request child) may keep it populated for a moment: the
    // driver's next look at the ended instance removes it
    Await.untilTrue(
        "the stopped instance's cgroup removed",
        () -> {
          driver.inspect(spec.id());
          return Cgroups.V1_CONTROLLERS.stream()
              .noneMatch(controller -> java.nio.file.Files.exists(cgroup(controller, spec)));
        });
    InstanceStatus stopped = driver.inspect(spec.id()).orElseThrow();
    assertThat(stopped.usage().orElseThrow().cpuNanos()).isPositive();
    assertThat(stopped.termination()).isEmpty();
  }

  @Test
  void closingTheDriver_removesItsParentCgroup_onceNoInstanceIsInIt() {
    InstanceSpec gone = spec("gone").limits(new Resources(0, 300, 0)).build();
    InstanceSpec kept = spec("kept").limits(new Resources(0, 300, 0)).build();
    Await.httpGet(driver.start(gone).address(), gone.port(), "/");
    Await.httpGet(driver.start(kept).address(), kept.port(), "/");
    driver.destroy(gone.id());

    // an instance still running (it outlives the driver, as under a restarted server) keeps it
    driver.close();
    assertThat(cgroupsOf("pids")).isDirectory();

    driver = newDriver();
    driver.destroy(kept.id());
    driver.close();
    // every home used to leave its parent behind, one per test run or bench on a CI host
    for (String controller : Cgroups.V1_CONTROLLERS)
      assertThat(cgroupsOf(controller)).as(controller).doesNotExist();
    driver = newDriver(); // for cleanUp
  }

  @Test
  void anAdoptedInstance_keepsItsCgroup_andIsStillAccounted() {
    InstanceSpec spec = spec("adopted").limits(new Resources(64L * 1024 * 1024, 0, 0)).build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/");
    driver.close();

    driver = newDriver();
    InstanceStatus adopted = driver.list().getFirst();

    assertThat(adopted.running()).isTrue();
    assertThat(adopted.spec().limits()).isEqualTo(spec.limits());
    assertThat(cgroup("memory", spec)).isDirectory();
    assertThat(adopted.usage().orElseThrow().memoryBytes()).isPositive();
  }

  @Test
  void aLimitBeyondTheHost_isRefused_andLeavesNoCgroup() {
    int cores = Runtime.getRuntime().availableProcessors();
    InstanceSpec spec = spec("greedy").limits(new Resources(0, (cores + 1) * 1000, 0)).build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("cores of this host")
        .hasMessageContaining("resources.cpu of service web");
    assertThat(cgroup("cpu", spec)).doesNotExist();
    assertThat(driver.list()).isEmpty();
  }
}
