package dev.kiln.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.Drift;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 on real containers: {@code docker exec} from outside is process drift, seen through the
 * engine's event stream; the driver's own exec and writes to the tmpfs are not; a container swapped
 * for one started by hand (writable root, another environment) is config drift.
 */
class DockerDriftIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private RuntimeDriver driver;

  @BeforeAll
  static void needsAnEngine() {
    assumeTrue(
        DockerClients.available(Optional.empty()),
        "no Docker Engine answers at DOCKER_HOST or /var/run/docker.sock: docker drift skipped");
  }

  @BeforeEach
  void newDriver() {
    driver =
        RuntimeDrivers.create(
            "docker",
            new DriverContext(
                home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of()));
  }

  @AfterEach
  void cleanUp() {
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
  }

  private Optional<Drift> drift(String instance, Drift.Surface surface) {
    return driver.drift().stream()
        .filter(d -> d.instance().value().equals(instance) && d.surface() == surface)
        .findFirst();
  }

  private static String docker(String... args) throws Exception {
    List<String> argv = new ArrayList<>(List.of("docker"));
    argv.addAll(List.of(args));
    Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertThat(p.waitFor()).as("docker %s: %s", args, out).isZero();
    return out;
  }

  private InstanceSpec started(String id) {
    InstanceSpec spec = Instances.spec(id, IMAGE.manifestDigest()).build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/index.html");
    return spec;
  }

  /** Calls drift() for longer than the poll interval (1 s): every check has run since. */
  private List<Drift> driftAfterAScan() throws InterruptedException {
    long end = System.nanoTime() + Duration.ofMillis(2500).toNanos();
    List<Drift> last = driver.drift();
    while (System.nanoTime() < end) {
      Thread.sleep(100);
      last = driver.drift();
    }
    return last;
  }

  @Test
  void dockerExecFromOutside_isProcessDrift_namingTheProgram() throws Exception {
    started("dx");
    docker(
        "exec",
        DockerDriver.containerName(dev.kiln.runtime.InstanceId.of("dx")),
        "/bin/busybox",
        "true");

    Drift d = Await.until("exec drift", () -> drift("dx", Drift.Surface.PROCESS));
    assertThat(d.subject()).isEqualTo("docker exec /bin/busybox");
    assertThat(d.evidence())
        .containsEntry("exe", "/bin/busybox")
        .containsEntry("reason", "entered from outside (docker exec)")
        .containsKey("exec");
  }

  @Test
  void theDriversOwnExec_andWritesToTmp_areNotDrift() throws Exception {
    InstanceSpec spec = started("own");
    var r =
        driver.exec(
            spec.id(),
            List.of("/bin/sh", "-c", "echo x > /tmp/scratch; cat /tmp/scratch"),
            Duration.ofSeconds(10));
    assertThat(r.exitCode()).isZero();
    assertThat(driftAfterAScan()).isEmpty();
  }

  @Test
  void aContainerSwappedForOneStartedByHand_isConfigDrift() throws Exception {
    InstanceSpec spec = started("cf");
    String name = DockerDriver.containerName(spec.id());
    String labels = docker("inspect", "-f", "{{json .Config.Labels}}", name);
    Map<String, String> copied =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readValue(labels, new com.fasterxml.jackson.core.type.TypeReference<>() {});
    docker("rm", "-f", name);
    List<String> run =
        new ArrayList<>(List.of("run", "-d", "--name", name, "--network", "host", "-e", "EXTRA=1"));
    copied.forEach((k, v) -> run.addAll(List.of("--label", k + "=" + v)));
    run.addAll(List.of(DockerImages.tag(IMAGE.manifestDigest()), "/bin/busybox", "sleep", "300"));
    docker(run.toArray(String[]::new));

    Drift d = Await.until("config drift", () -> drift("cf", Drift.Surface.CONFIG));
    assertThat(d.evidence())
        .containsEntry("read-only", "false")
        .containsEntry("env.added", "EXTRA")
        .containsEntry("env.removed", "PORT");
    assertThat(d.subject()).isEqualTo("env,read-only");
  }
}
