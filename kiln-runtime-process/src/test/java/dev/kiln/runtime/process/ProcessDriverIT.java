package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

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

/** Process-runtime behaviour beyond the shared conformance suite. */
class ProcessDriverIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private final InMemoryImageSource images = new InMemoryImageSource().add(IMAGE);
  private RuntimeDriver driver;

  @BeforeAll
  static void needsBubblewrap() {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
  }

  private RuntimeDriver newDriver(Map<String, String> options) {
    return RuntimeDrivers.create(
        "process", new DriverContext(home, Clock.systemUTC(), images, options));
  }

  @AfterEach
  void cleanUp() {
    if (driver == null) return;
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
  }

  @Test
  void theLogIsBounded_byRotationToLog1() throws IOException {
    driver = newDriver(Map.of("log-max-bytes", "4096"));
    InstanceSpec spec =
        Instances.spec("chatty", IMAGE.manifestDigest())
            .shell(
                "i=0; while [ $i -lt 2000 ]; do echo line-$i-padding-padding-padding; i=$((i+1)); done; echo END; exec sleep 600")
            .build();
    driver.start(spec);
    Path dir = home.resolve("instances/chatty");

    Await.untilTrue(
        "rotation",
        () ->
            Files.exists(dir.resolve("log.1")) && driver.logs(spec.id(), 100_000).contains("END"));
    Await.untilTrue("a bounded log", () -> size(dir.resolve("log")) <= 4096);
    assertThat(driver.logs(spec.id(), 100)).hasSizeLessThanOrEqualTo(100).endsWith("END\n");
  }

  @Test
  void aRootfsAlteredOnDisk_isRecreatedBeforeTheNextDriverUsesIt() throws IOException {
    driver = newDriver(Map.of());
    InstanceSpec first = Instances.spec("first", IMAGE.manifestDigest()).build();
    driver.start(first);
    driver.destroy(first.id());
    driver.close();
    Path index =
        home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex()).resolve("root/www/index.html");
    index.toFile().setWritable(true);
    Files.writeString(index, "defaced\n");

    driver = newDriver(Map.of());
    InstanceSpec second = Instances.spec("second", IMAGE.manifestDigest()).build();
    String host = driver.start(second).address();

    assertThat(Await.httpGet(host, second.port(), "/index.html").body())
        .isEqualTo("hello from kiln\n");
  }

  @Test
  void aVolumeMountPointMissingFromTheImage_isAClearError_andNothingIsLeft() {
    driver = newDriver(Map.of());
    InstanceSpec spec =
        Instances.spec("novol", IMAGE.manifestDigest()).volume("state", "/var/lib/state").build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("/var/lib/state")
        .hasMessageContaining("not a directory in image");
    assertThat(driver.list()).isEmpty();
    assertThat(home.resolve("instances/novol")).doesNotExist();
  }

  @Test
  void instanceJson_recordsPidAndStartTime_butNoSecretValues() throws IOException {
    driver = newDriver(Map.of());
    InstanceSpec spec =
        Instances.spec("rec", IMAGE.manifestDigest()).secret("API_TOKEN", "do-not-store").build();
    driver.start(spec);

    String json = Files.readString(home.resolve("instances/rec/instance.json"));
    InstanceRecord record = InstanceRecord.read(home.resolve("instances/rec/instance.json"));
    assertThat(json).contains("API_TOKEN").doesNotContain("do-not-store");
    assertThat(ProcStat.alive(record.pid(), record.pidStart())).isTrue();
    assertThat(driver.inspect(spec.id()).orElseThrow().spec().secrets())
        .containsEntry("API_TOKEN", "");
  }

  @Test
  void stop_endsAProgramWithoutATermHandlerBySigterm_andNoProcessOfTheSandboxRemains()
      throws IOException {
    driver = newDriver(Map.of());
    InstanceSpec spec =
        Instances.spec("nohandler", IMAGE.manifestDigest())
            .shell("sleep 600 & echo READY; exec httpd -f -p \"$PORT\" -h /www")
            .build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/");
    InstanceRecord record = InstanceRecord.read(home.resolve("instances/nohandler/instance.json"));
    Path namespace = Files.readSymbolicLink(Path.of("/proc/" + record.pid() + "/ns/pid"));
    // busybox httpd forks a child per request: the probe's may linger for a moment
    Await.untilTrue(
        "httpd, the background sleep and bwrap's init, and nothing else",
        () -> processesIn(namespace).size() == 3);

    var result = driver.stop(spec.id(), Duration.ofSeconds(30));

    assertThat(result.graceful()).isTrue();
    assertThat(result.killed()).isFalse();
    assertThat(result.exitCode()).as("128 + SIGTERM").hasValue(143);
    Await.untilTrue("the sandbox's pid namespace to end", () -> processesIn(namespace).isEmpty());
  }

  @Test
  void stop_letsAProgramTrappingTermRunItsHandler_whichWritesIntoAVolume() throws IOException {
    driver = newDriver(Map.of());
    InstanceSpec spec =
        Instances.spec("handler", IMAGE.manifestDigest())
            .volume("state", "/data")
            .shell("trap 'echo flushed > /data/on-term; exit 0' TERM; echo READY; sleep 600 & wait")
            .build();
    driver.start(spec);
    Await.untilTrue("READY", () -> driver.logs(spec.id(), 4096).contains("READY"));

    var result = driver.stop(spec.id(), Duration.ofSeconds(30));

    assertThat(result.graceful()).isTrue();
    assertThat(result.killed()).isFalse();
    assertThat(result.exitCode()).hasValue(0);
    assertThat(home.resolve("volumes/web/state/on-term")).hasContent("flushed");
  }

  @Test
  void driversAreFoundByName_andAnUnknownNameIsAClearError() {
    assertThat(RuntimeDrivers.available()).contains("process");
    assertThatThrownBy(
            () ->
                RuntimeDrivers.create("nomad", new DriverContext(home, Clock.systemUTC(), images)))
        .hasMessageContaining("no runtime named 'nomad'");
  }

  /** Host pids of the processes whose pid namespace is {@code namespace} (a "pid:[inode]"). */
  private static List<Long> processesIn(Path namespace) {
    return ProcessHandle.allProcesses()
        .filter(p -> namespace.equals(pidNamespace(p.pid())))
        .map(ProcessHandle::pid)
        .toList();
  }

  private static Path pidNamespace(long pid) {
    try {
      return Files.readSymbolicLink(Path.of("/proc/" + pid + "/ns/pid"));
    } catch (IOException e) {
      return Path.of("gone");
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return Long.MAX_VALUE;
    }
  }
}
