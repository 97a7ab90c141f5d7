package dev.kiln.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.model.HealthCheck;
import dev.kiln.model.Resources;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.Termination;
import dev.kiln.runtime.Usage;
import dev.kiln.runtime.health.HealthEvent;
import dev.kiln.runtime.health.HealthMonitor;
import dev.kiln.runtime.health.HealthPhase;
import dev.kiln.runtime.health.Probes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The behaviour every runtime driver must show, run against a real driver by subclassing: {@code
 * class ProcessDriverConformanceIT extends DriverConformance}. Features a driver's {@link
 * dev.kiln.runtime.Capabilities} disclaim are skipped (as assumptions), not failed.
 */
public abstract class DriverConformance {
  protected static final ImageContent BUSYBOX =
      TestImages.busybox().env("IMAGE_ENV", "from-image").build();
  private static final String SECRET =
      "s3cr3t-" + Long.toHexString(ThreadLocalRandom.current().nextLong());

  @TempDir protected Path home;
  protected InMemoryImageSource images;
  protected RuntimeDriver driver;
  private final String prefix =
      "t" + Long.toHexString(ThreadLocalRandom.current().nextInt(1 << 24));
  private int sequence;

  /** A new driver object over {@code home}, as a restarted Kiln process would create it. */
  protected abstract RuntimeDriver createDriver(Path home, ImageSource images);

  @BeforeEach
  void createDriver() {
    images = new InMemoryImageSource().add(BUSYBOX);
    driver = createDriver(home, images);
  }

  @AfterEach
  void destroyEverything() {
    try {
      for (InstanceStatus status : driver.list()) driver.destroy(status.id());
    } finally {
      driver.close();
    }
  }

  protected Instances spec() {
    return Instances.spec(prefix + "-" + (++sequence), BUSYBOX.manifestDigest());
  }

  protected String awaitLog(InstanceId id, String text) {
    try {
      return Await.until(
          "'" + text + "' in the log of " + id,
          () -> Optional.of(driver.logs(id, 64 * 1024)).filter(log -> log.contains(text)));
    } catch (AssertionError e) {
      throw new AssertionError(
          e.getMessage()
              + "; the log ends with: "
              + driver.logs(id, 2048)
              + " ("
              + driver.inspect(id)
              + ")",
          e);
    }
  }

  /**
   * Whether instances run on this machine, so that a port taken here must refuse a start. Drivers
   * that place instances on other hosts (reported in {@link InstanceStatus#host()}) say no.
   */
  protected boolean instancesRunOnThisHost() {
    return true;
  }

  /** Where a started instance is reached: its reported host, or loopback. */
  protected String addressOf(InstanceId id) {
    return driver.inspect(id).map(InstanceStatus::address).orElse(InstanceStatus.LOOPBACK);
  }

  protected InstanceStatus awaitExit(InstanceId id) {
    return Await.until(
        id + " to exit", () -> driver.inspect(id).filter(status -> !status.running()));
  }

  @Test
  void start_runsTheImageEntrypoint_andServesOnItsPort() {
    InstanceSpec spec = spec().build();
    InstanceStatus started = driver.start(spec);

    assertThat(started.running()).isTrue();
    var response = Await.httpGet(started.address(), spec.port(), "/index.html");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("hello from kiln\n");
    assertThat(driver.inspect(spec.id())).hasValueSatisfying(s -> assertThat(s.running()).isTrue());
    assertThat(driver.list()).extracting(InstanceStatus::id).containsExactly(spec.id());
  }

  @Test
  void rootFilesystem_isReadOnly_whileTmpAndVolumesAreWritable() {
    assumeTrue(driver.capabilities().readOnlyRoot(), "driver does not enforce a read-only root");
    InstanceSpec spec =
        spec()
            .volume("data", "/data")
            .shell(
                "touch /www/new 2>/dev/null && echo ROOT=writable || echo ROOT=readonly;"
                    + " touch /tmp/t && echo TMP=ok; touch /data/v && echo VOLUME=ok; echo DONE;"
                    + " exec sleep 600")
            .build();
    driver.start(spec);

    String log = awaitLog(spec.id(), "DONE");
    assertThat(log).contains("ROOT=readonly", "TMP=ok", "VOLUME=ok");
  }

  @Test
  void envSecretsAndImageEnv_areVisibleToTheProcess_butSecretsAreNeverStoredOrPrinted()
      throws IOException {
    InstanceSpec spec =
        spec()
            .env("GREETING", "hi")
            .secret("API_TOKEN", SECRET)
            .shell("echo \"G=$GREETING T=$API_TOKEN P=$PORT I=$IMAGE_ENV\"; exec sleep 600")
            .build();
    driver.start(spec);

    awaitLog(spec.id(), "G=hi T=" + SECRET + " P=" + spec.port() + " I=from-image");
    assertThat(spec.toString()).doesNotContain(SECRET).contains("API_TOKEN");
    assertThat(driver.inspect(spec.id()).orElseThrow().toString()).doesNotContain(SECRET);
    assertThat(filesContaining(SECRET)).as("files under KILN_HOME holding the secret").isEmpty();
  }

  @Test
  void volumes_areWritable_andSurviveReplacement() {
    assumeTrue(driver.capabilities().volumes(), "driver does not mount volumes");
    InstanceSpec first =
        spec()
            .volume("data", "/data")
            .shell("echo kept > /data/file; echo WROTE; exec sleep 600")
            .build();
    driver.start(first);
    awaitLog(first.id(), "WROTE");
    driver.destroy(first.id());

    InstanceSpec second =
        spec()
            .revision(2)
            .volume("data", "/data")
            .shell("echo \"READ=$(cat /data/file)\"; exec sleep 600")
            .build();
    driver.start(second);
    awaitLog(second.id(), "READ=kept");
  }

  @Test
  void stop_letsTheInstanceExitWithinTheGracePeriod() {
    assumeTrue(driver.capabilities().signals(), "driver does not send stop signals");
    InstanceSpec spec =
        spec().shell("trap 'echo GOT_TERM; exit 0' TERM; echo READY; sleep 600 & wait").build();
    driver.start(spec);
    awaitLog(spec.id(), "READY");

    var result = driver.stop(spec.id(), Duration.ofSeconds(30));

    assertThat(result.graceful()).isTrue();
    assertThat(result.killed()).isFalse();
    assertThat(driver.logs(spec.id(), 4096)).contains("GOT_TERM");
    assertThat(driver.inspect(spec.id()).orElseThrow().running()).isFalse();
  }

  @Test
  void stop_endsAProgramWithoutATermHandler_byTheSignal_notByAKillAfterTheGrace() {
    assumeTrue(driver.capabilities().signals(), "driver does not send stop signals");
    // busybox httpd has no SIGTERM handler; as a namespace's pid 1 it would ignore the signal
    InstanceSpec spec = spec().build();
    driver.start(spec);
    Await.httpGet(addressOf(spec.id()), spec.port(), "/");

    var result = driver.stop(spec.id(), Duration.ofSeconds(30));

    assertThat(result.graceful()).isTrue();
    assertThat(result.killed()).isFalse();
    assertThat(result.exitCode()).as("128 + SIGTERM").hasValue(143);
    assertThat(driver.inspect(spec.id()).orElseThrow().running()).isFalse();
  }

  @Test
  void stop_killsAnInstanceThatIgnoresTheSignal_afterTheGracePeriod() {
    InstanceSpec spec = spec().shell("trap '' TERM; echo READY; sleep 600 & wait").build();
    driver.start(spec);
    awaitLog(spec.id(), "READY");

    var result = driver.stop(spec.id(), Duration.ofMillis(500));

    assertThat(result.graceful()).isFalse();
    assertThat(result.killed()).isTrue();
    assertThat(driver.inspect(spec.id()).orElseThrow().running()).isFalse();
  }

  @Test
  void logs_captureStdoutAndStderr_whileRunning_andTheExitCodeAfter() {
    InstanceSpec spec = spec().shell("echo to-stdout; echo to-stderr >&2; sleep 1; exit 7").build();
    driver.start(spec);

    awaitLog(spec.id(), "to-stderr");
    assertThat(driver.logs(spec.id(), 4096)).contains("to-stdout");
    InstanceStatus exited = awaitExit(spec.id());
    assertThat(exited.exitCode()).hasValue(7);
  }

  @Test
  void aNewDriverObject_adoptsRunningInstances_withoutOrphansOrDuplicates() {
    assumeTrue(driver.capabilities().reattach(), "driver cannot re-attach");
    InstanceSpec spec = spec().build();
    driver.start(spec);
    Await.httpGet(addressOf(spec.id()), spec.port(), "/");
    driver.close();

    driver = createDriver(home, images);

    List<InstanceStatus> adopted = driver.list();
    assertThat(adopted).extracting(InstanceStatus::id).containsExactly(spec.id());
    assertThat(adopted.getFirst().running()).isTrue();
    assertThat(adopted.getFirst().spec().port()).isEqualTo(spec.port());
    assertThat(adopted.getFirst().address()).isEqualTo(addressOf(spec.id()));
    assertThat(Await.httpGet(addressOf(spec.id()), spec.port(), "/index.html").statusCode())
        .isEqualTo(200);
    var stopped = driver.stop(spec.id(), Duration.ofMillis(500));
    assertThat(driver.inspect(spec.id()).orElseThrow().running()).isFalse();
    assertThat(stopped.id()).isEqualTo(spec.id());
  }

  @Test
  void aCommandMissingFromTheImage_isRefused_andLeavesNothing() {
    InstanceSpec spec = spec().command("/bin/no-such-program").build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("/bin/no-such-program");
    assertThat(driver.list()).isEmpty();
  }

  @Test
  void aPortAlreadyTaken_isRefused_andLeavesNothing() throws IOException {
    assumeTrue(
        instancesRunOnThisHost(), "instances run on other hosts; a port taken here is free there");
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      InstanceSpec spec = spec().port(taken.getLocalPort()).build();
      assumeTrue(
          ownNetwork().isEmpty(),
          "instances run in networks of their own: a host port cannot clash with theirs");
      assertThatThrownBy(() -> driver.start(spec))
          .isInstanceOf(RuntimeDriverException.class)
          .hasMessageContaining("port " + taken.getLocalPort());
    }
    assertThat(driver.list()).isEmpty();
  }

  @Test
  void anImageWhoseBlobsDoNotMatchTheirDigests_isRefused() {
    images.add(TestImages.tampered(BUSYBOX));
    InstanceSpec spec = spec().build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("does not match its digest");
    assertThat(driver.list()).isEmpty();
  }

  @Test
  void anImageTheStoreRefuses_isRefusedWithItsReason() {
    images.refuse(BUSYBOX.manifestDigest(), "signature does not verify");
    InstanceSpec spec = spec().build();

    assertThatThrownBy(() -> driver.start(spec))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining("signature does not verify");
    assertThat(driver.list()).isEmpty();
  }

  @Test
  void startingAnIdTwice_isRefused_andTheFirstKeepsRunning() {
    InstanceSpec spec = spec().build();
    driver.start(spec);
    InstanceSpec again = Instances.spec(spec.id().value(), BUSYBOX.manifestDigest()).build();

    assertThatThrownBy(() -> driver.start(again))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining(spec.id().value());
    assertThat(driver.inspect(spec.id()).orElseThrow().running()).isTrue();
  }

  @Test
  void exec_runsACommandInsideTheRunningInstance() {
    assumeTrue(driver.capabilities().exec(), "driver cannot exec");
    InstanceSpec spec = spec().env("GREETING", "hi").build();
    driver.start(spec);
    Await.httpGet(addressOf(spec.id()), spec.port(), "/");

    ExecResult ok =
        driver.exec(
            spec.id(),
            List.of("/bin/sh", "-c", "cat /www/index.html; echo $GREETING"),
            Duration.ofSeconds(30));
    ExecResult failed =
        driver.exec(spec.id(), List.of("/bin/sh", "-c", "exit 3"), Duration.ofSeconds(30));

    assertThat(ok.exitCode()).isZero();
    assertThat(ok.output()).contains("hello from kiln", "hi");
    assertThat(failed.exitCode()).isEqualTo(3);
  }

  @Test
  void memoryLimit_anInstanceAllocatingBeyondIt_isOOMKilled_andReportedAsSuch() {
    assumeTrue(driver.capabilities().resourceLimits(), "driver does not enforce resource limits");
    long limit = 64L * 1024 * 1024;
    // the string doubles until the kernel's OOM killer ends the shell at the limit
    InstanceSpec spec =
        spec().limits(new Resources(limit, 0, 0)).shell("x=a; while :; do x=$x$x; done").build();
    driver.start(spec);

    InstanceStatus ended =
        Await.until(
            "instance " + spec.id() + " to be OOM-killed",
            () -> driver.inspect(spec.id()).filter(s -> !s.running()));

    assertThat(ended.termination()).contains(Termination.OOM_KILLED);
    ended
        .usage()
        .ifPresent(
            usage -> {
              assertThat(usage.oomKills()).isPositive();
              assertThat(usage.memoryPeakBytes()).isBetween(limit / 2, limit);
            });
  }

  @Test
  void pidsLimit_stopsAForkBomb_andTheHostIsUnaffected() {
    assumeTrue(driver.capabilities().resourceLimits(), "driver does not enforce resource limits");
    int limit = 32;
    InstanceSpec bomb =
        spec()
            .limits(new Resources(0, 0, limit)) // no CPU cap: the bomb reaches its limit fast
            // each generation leaves a sleeper behind, so the bomb fills its pids and stays there
            .shell("b() { sleep 600 & b | b & }; b; exec sleep 600")
            .build();
    driver.start(bomb);

    // what the polls saw, for the failure message: it once timed out beside other builds
    var seen = new java.util.concurrent.ConcurrentLinkedDeque<String>();
    Usage full;
    try {
      full =
          Await.until(
              "the fork bomb to reach its pids limit",
              () -> {
                var status = driver.inspect(bomb.id());
                var usage = status.flatMap(InstanceStatus::usage);
                seen.add(
                    status.map(s -> s.running() ? "running" : "ended").orElse("gone")
                        + usage
                            .map(u -> " pids=" + u.pids() + " refused=" + u.pidsRefused())
                            .orElse(" no usage"));
                if (seen.size() > 8) seen.removeFirst();
                // at the limit, or refused a fork at it (the bomb's shells then die back
                // to their sleepers, so a poll may never catch the peak itself)
                return usage.filter(u -> u.pids() >= limit - 2 || u.pidsRefused() > 0);
              });
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; the last polls saw: " + seen, e);
    }
    InstanceSpec neighbour = spec().build();
    driver.start(neighbour);
    var served = Await.httpGet(addressOf(neighbour.id()), neighbour.port(), "/");

    assertThat(full.pids()).isLessThanOrEqualTo(limit);
    for (int i = 0; i < 10; i++) {
      assertThat(driver.inspect(bomb.id()).flatMap(InstanceStatus::usage).orElseThrow().pids())
          .isLessThanOrEqualTo(limit);
    }
    assertThat(served.body()).contains("hello from kiln");
  }

  @Test
  void cpuLimit_holdsABusyLoopNearItsQuota() throws InterruptedException {
    assumeTrue(driver.capabilities().resourceLimits(), "driver does not enforce resource limits");
    int millicores = 200;
    InstanceSpec spec =
        spec().limits(new Resources(0, millicores, 0)).shell("while :; do :; done").build();
    driver.start(spec);
    Usage before =
        Await.until(
            "CPU time accounted to " + spec.id(),
            () ->
                driver
                    .inspect(spec.id())
                    .flatMap(InstanceStatus::usage)
                    .filter(u -> u.cpuNanos() > 0));
    long from = System.nanoTime();

    Thread.sleep(3000);
    Usage after = driver.inspect(spec.id()).flatMap(InstanceStatus::usage).orElseThrow();
    long window = System.nanoTime() - from;

    // the window only scales the quota; the assertion is on the CPU time the kernel accounted:
    // unlimited, the loop would take a whole core (5x the quota); held, at most the quota + slack
    double cores = (double) (after.cpuNanos() - before.cpuNanos()) / window;
    assertThat(cores).isPositive().isLessThan(millicores / 1000.0 * 1.6);
  }

  @Test
  void healthChecks_seeAServingInstanceBecomeHealthy() {
    InstanceSpec spec = spec().build();
    InstanceStatus started = driver.start(spec);
    HealthCheck.Probe probe =
        driver.capabilities().exec()
            ? new HealthCheck.Probe.Exec(
                List.of("/bin/sh", "-c", "wget -q -O /dev/null http://127.0.0.1:$PORT/"))
            : new HealthCheck.Probe.Tcp();
    List<HealthCheck> checks =
        List.of(
            new HealthCheck(
                new HealthCheck.Probe.Http("/index.html", 200),
                Duration.ofMillis(100),
                Duration.ofSeconds(2),
                2,
                2,
                Duration.ofSeconds(60)),
            new HealthCheck(
                probe,
                Duration.ofMillis(100),
                Duration.ofSeconds(5),
                2,
                2,
                Duration.ofSeconds(60)));
    for (HealthCheck check : checks) {
      List<HealthEvent> events = new java.util.concurrent.CopyOnWriteArrayList<>();
      try (HealthMonitor monitor =
          new HealthMonitor(
              java.time.Clock.systemUTC(), new Probes(java.time.Clock.systemUTC(), driver))) {
        monitor.addListener(events::add);
        monitor.watch(spec.id(), started.address(), spec.port(), check, started.startedAt());
        HealthEvent healthy =
            Await.until(
                check.probe() + " healthy",
                () -> events.stream().filter(e -> e.phase() == HealthPhase.HEALTHY).findFirst());
        assertThat(healthy.instance()).isEqualTo(spec.id());
      }
    }
  }

  private List<Path> filesContaining(String text) throws IOException {
    try (Stream<Path> files = Files.walk(home)) {
      return files
          .filter(Files::isRegularFile)
          .filter(p -> !p.getFileName().toString().startsWith("log"))
          .filter(p -> p.toString().contains("/instances/"))
          .filter(p -> contains(p, text))
          .toList();
    }
  }

  private static boolean contains(Path file, String text) {
    try {
      return new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1)
          .contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * Whether this driver gives instances networks of their own: probed with a throwaway instance.
   */
  private java.util.Optional<String> ownNetwork() {
    InstanceSpec probe = spec().build();
    try {
      return driver.start(probe).host();
    } finally {
      driver.destroy(probe.id());
    }
  }
}
