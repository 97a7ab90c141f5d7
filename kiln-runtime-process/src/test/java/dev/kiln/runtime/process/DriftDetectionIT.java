package dev.kiln.runtime.process;

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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drift on real sandboxed instances: host-side writes into the root, processes entered in. */
class DriftDetectionIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private RuntimeDriver driver;
  private Process intruder;

  @BeforeAll
  static void needsBubblewrap() {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
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
                // root drift is caused by writing into the unpacked tree: with an image root
                // (the default where loop devices work) that write cannot reach an instance
                Map.of("root-image", "tree")));
  }

  @AfterEach
  void cleanUp() {
    if (intruder != null) intruder.destroyForcibly();
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
  }

  private Path root() {
    return home.resolve("rootfs").resolve(IMAGE.manifestDigest().hex()).resolve("root");
  }

  private Optional<Drift> drift(String instance, Drift.Surface surface) {
    return driver.drift().stream()
        .filter(d -> d.instance().value().equals(instance) && d.surface() == surface)
        .findFirst();
  }

  @Test
  void aHostSideWriteIntoTheRoot_marksEveryInstanceOfTheImage_andTheNextStartGetsAFreshRoot()
      throws IOException {
    InstanceSpec a = Instances.spec("a", IMAGE.manifestDigest()).build();
    InstanceSpec b = Instances.spec("b", IMAGE.manifestDigest()).build();
    driver.start(a);
    driver.start(b);
    assertThat(driver.drift()).isEmpty();

    Path index = root().resolve("www/index.html");
    index.toFile().setWritable(true);
    Files.writeString(index, "defaced\n", java.nio.file.StandardOpenOption.APPEND);

    Drift d = Await.until("root drift of a", () -> drift("a", Drift.Surface.ROOTFS));
    assertThat(d.subject()).isEqualTo("/www/index.html");
    assertThat(d.evidence().get("expected"))
        .startsWith("f ")
        .isNotEqualTo(d.evidence().get("found"));
    assertThat(d.evidence().get("found")).startsWith("f ");
    assertThat(drift("b", Drift.Surface.ROOTFS)).isPresent();

    InstanceSpec c = Instances.spec("c", IMAGE.manifestDigest()).build();
    // reached where the driver says (its own network namespace when instances are tenants)
    String host = driver.start(c).address();
    assertThat(Await.httpGet(host, c.port(), "/index.html").body()).isEqualTo("hello from kiln\n");
    assertThat(drift("c", Drift.Surface.ROOTFS)).isEmpty();
    assertThat(drift("a", Drift.Surface.ROOTFS)).isPresent(); // sticky until it is replaced
  }

  @Test
  void aChmodAndANewFileInTheRoot_areDrift() throws IOException {
    driver.start(Instances.spec("m", IMAGE.manifestDigest()).build());
    Files.setPosixFilePermissions(
        root().resolve("www"), PosixFilePermissions.fromString("rwxrwxrwx"));
    Drift d = Await.until("chmod drift", () -> drift("m", Drift.Surface.ROOTFS));
    assertThat(d.subject()).isEqualTo("/www");
    assertThat(d.evidence().get("found")).isEqualTo("d 777");
  }

  @Test
  void aProcessEnteredFromOutside_isProcessDrift_withItsPidAndExecutable() throws Exception {
    var status = driver.start(Instances.spec("n", IMAGE.manifestDigest()).build());
    long pid = status.pid().orElseThrow();
    intruder =
        new ProcessBuilder(
                "nsenter", "-t", Long.toString(pid), "-p", "-m", "--", "/bin/sleep", "60")
            .redirectErrorStream(true)
            .start();
    Drift d = Await.until("process drift", () -> drift("n", Drift.Surface.PROCESS));
    assertThat(d.evidence()).containsKeys("pid", "exe", "parent");
    // caught before or after its exec: the forked nsenter, or what it ran, as the instance sees it
    assertThat(d.evidence().get("exe")).isIn("/usr/bin/nsenter", "/bin/busybox");
    assertThat(d.evidence().get("reason")).contains("not descended");
  }

  @Test
  void aChildRunningAnExecutableDroppedIntoTmp_isProcessDrift() {
    InstanceSpec spec =
        Instances.spec("d", IMAGE.manifestDigest())
            .shell("cp /bin/busybox /tmp/sleep; /tmp/sleep 600 & exec sleep 600")
            .build();
    driver.start(spec);
    Drift d = Await.until("tmp executable", () -> drift("d", Drift.Surface.PROCESS));
    assertThat(d.evidence().get("exe")).isEqualTo("/tmp/sleep");
    assertThat(d.evidence().get("reason")).contains("not from the image's root");
  }

  @Test
  void anExtraListenerStartedInside_isSocketDrift_withItsPort() throws Exception {
    int extra;
    try (var probe = new java.net.ServerSocket(0)) {
      extra = probe.getLocalPort();
    }
    InstanceSpec spec =
        Instances.spec("s", IMAGE.manifestDigest())
            .shell(
                "httpd -f -p 127.0.0.1:"
                    + extra
                    + " -h /www & exec httpd -f -p 127.0.0.1:$PORT -h /www")
            .build();
    driver.start(spec);
    Drift d = Await.until("socket drift", () -> drift("s", Drift.Surface.SOCKET));
    assertThat(d.evidence()).containsEntry("port", Integer.toString(extra));
    assertThat(d.evidence()).containsEntry("declared", Integer.toString(spec.port()));
  }

  @Test
  void aSocketBoundEarly_thatListensLongAfter_isSocketDrift() throws Exception {
    Path python = Path.of("/usr/bin/python3");
    assumeTrue(Files.isExecutable(python), "python3 is not installed");
    InstanceSpec spec = Instances.spec("late", IMAGE.manifestDigest()).build();
    var status = driver.start(spec);
    Await.httpGet(status.address(), spec.port(), "/index.html");
    int extra;
    try (var probe = new java.net.ServerSocket(0)) {
      extra = probe.getLocalPort();
    }
    Path bound = home.resolve("bound");
    Path go = home.resolve("go");
    // in the instance's pid and network namespaces (the host's files): binds at once, listens only
    // when told to, long after the scans have seen its socket
    intruder =
        new ProcessBuilder(
                "nsenter",
                "-t",
                Long.toString(status.pid().orElseThrow()),
                "-p",
                "-n",
                "--",
                python.toString(),
                "-c",
                "import os, socket, sys, time\n"
                    + "s = socket.socket()\n"
                    + "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
                    + "open(sys.argv[2], 'w').close()\n"
                    + "while not os.path.exists(sys.argv[3]): time.sleep(0.05)\n"
                    + "s.listen()\n"
                    + "time.sleep(600)\n",
                Integer.toString(extra),
                bound.toString(),
                go.toString())
            .redirectErrorStream(true)
            .redirectOutput(home.resolve("python.log").toFile())
            .start();
    Await.untilTrue("the socket is bound", () -> Files.exists(bound));
    scansAfterServing();
    scansAfterServing(); // its socket is old news: seen in several scans
    assertThat(drift("late", Drift.Surface.SOCKET)).isEmpty();

    Files.writeString(go, "");

    Drift d = Await.until("late listener", () -> drift("late", Drift.Surface.SOCKET));
    assertThat(d.evidence()).containsEntry("port", Integer.toString(extra));
  }

  @Test
  void aListenerTheInstanceStartsLate_isSocketDrift() throws Exception {
    int extra;
    try (var probe = new java.net.ServerSocket(0)) {
      extra = probe.getLocalPort();
    }
    InstanceSpec spec =
        Instances.spec("nc", IMAGE.manifestDigest())
            .volume("trigger", "/data")
            .shell(
                "httpd -f -p 127.0.0.1:$PORT -h /www & while [ ! -e /data/go ]; do sleep 1; done;"
                    + " nc -l -p "
                    + extra
                    + "; sleep 600")
            .build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/index.html");
    scansAfterServing();
    assertThat(drift("nc", Drift.Surface.SOCKET)).isEmpty();

    Files.writeString(home.resolve("volumes/web/trigger/go"), "");

    Drift d = Await.until("late nc listener", () -> drift("nc", Drift.Surface.SOCKET));
    assertThat(d.evidence()).containsEntry("port", Integer.toString(extra));
    assertThat(d.evidence().get("exe")).isEqualTo("/bin/busybox");
  }

  /** Calls drift() for longer than the scan interval (500 ms): at least one scan ran since. */
  private void scansAfterServing() throws InterruptedException {
    long end = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(1200);
    while (System.nanoTime() < end) {
      driver.drift();
      Thread.sleep(50);
    }
  }

  @Test
  void aMainProcessThatReExecsWithAnotherEnvironment_afterServing_isEnvDrift_namingKeysOnly()
      throws Exception {
    // serves through a child; once /data/go appears (written into its volume from the host: not
    // drift) the main process drops PORT, adds a secret-looking value and execs something else
    InstanceSpec spec =
        Instances.spec("e", IMAGE.manifestDigest())
            .env("MODE", "blue")
            .secret("API_TOKEN", "s3cret-value")
            .volume("trigger", "/data")
            .shell(
                "httpd -f -p 127.0.0.1:$PORT -h /www & while [ ! -e /data/go ]; do sleep 1; done;"
                    + " export INJECTED=hunter2 MODE=green; unset PORT; exec sleep 600")
            .build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/index.html");
    scansAfterServing();
    assertThat(drift("e", Drift.Surface.ENV)).isEmpty(); // serving, settled: no drift yet

    Files.writeString(home.resolve("volumes/web/trigger/go"), "");

    Drift d = Await.until("env drift", () -> drift("e", Drift.Surface.ENV));
    assertThat(d.subject()).isEqualTo("environment and command");
    assertThat(d.evidence())
        .containsEntry("added", "INJECTED")
        .containsEntry("removed", "PORT")
        .containsEntry("changed", "MODE");
    assertThat(d.evidence().get("expected")).startsWith("/bin/busybox /bin/sh sha256:");
    assertThat(d.evidence().get("found")).startsWith("/bin/busybox sleep sha256:");
    assertThat(String.join(" ", d.evidence().values()))
        .doesNotContain("hunter2")
        .doesNotContain("green")
        .doesNotContain("s3cret");
  }

  @Test
  void aMainProcessThatExecsItsProgramBeforeServing_isNotEnvDrift() throws Exception {
    InstanceSpec spec =
        Instances.spec("x", IMAGE.manifestDigest())
            .secret("API_TOKEN", "s3cret-value")
            .shell("exec httpd -f -p 127.0.0.1:$PORT -h /www")
            .build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/index.html");
    scansAfterServing();
    driver.exec(spec.id(), java.util.List.of("/bin/true"), java.time.Duration.ofSeconds(10));
    assertThat(driver.drift()).isEmpty();
  }

  @Test
  void theDeclaredListener_isNotDrift() {
    InstanceSpec spec = Instances.spec("ok", IMAGE.manifestDigest()).build();
    Await.httpGet(driver.start(spec).address(), spec.port(), "/index.html");
    // a marker drift on another surface, so the socket scan has certainly run since
    driver.drift();
    assertThat(driver.drift()).isEmpty();
  }

  @Test
  void theDriversOwnExec_aHealthProbe_isNotProcessDrift() {
    InstanceSpec spec = Instances.spec("x", IMAGE.manifestDigest()).build();
    driver.start(spec);
    // while the probe runs in the instance's pid namespace, the detector is asked again and again
    java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicReference<List<Drift>> seen =
        new java.util.concurrent.atomic.AtomicReference<>(List.of());
    Thread poller =
        Thread.ofPlatform()
            .start(
                () -> {
                  while (!done.get()) {
                    List<Drift> now = driver.drift();
                    if (!now.isEmpty()) seen.set(now);
                  }
                });
    try {
      for (int i = 0; i < 5; i++) {
        assertThat(
                driver
                    .exec(
                        spec.id(),
                        List.of("/bin/sh", "-c", "sleep 0.3; echo ok"),
                        java.time.Duration.ofSeconds(30))
                    .exitCode())
            .isZero();
      }
    } finally {
      done.set(true);
    }
    Await.untilTrue("poller stopped", () -> !poller.isAlive());
    assertThat(seen.get()).isEmpty();
    assertThat(drift("x", Drift.Surface.PROCESS)).isEmpty();
  }

  @Test
  void writesToADeclaredVolume_areNotDrift() throws Exception {
    InstanceSpec spec =
        Instances.spec("v", IMAGE.manifestDigest())
            .volume("state", "/www")
            .shell("echo kept > /www/state.txt; echo wrote; exec sleep 600")
            .build();
    driver.start(spec);
    Await.untilTrue(
        "the instance wrote its volume", () -> driver.logs(spec.id(), 1000).contains("wrote"));
    // a marker written into the root afterwards: once it is seen, the volume write would have been
    Files.setPosixFilePermissions(
        root().resolve("bin"), PosixFilePermissions.fromString("rwxrwxrwx"));
    Drift d = Await.until("the marker", () -> drift("v", Drift.Surface.ROOTFS));
    assertThat(d.subject()).isEqualTo("/bin");
    assertThat(d.evidence()).containsEntry("changes", "1");
  }

  @Test
  void writesToTheInstancesPrivateTmp_andItsOwnChildren_areNotDrift() throws Exception {
    InstanceSpec spec =
        Instances.spec("t", IMAGE.manifestDigest())
            .shell("echo scratch > /tmp/x; sleep 600 & echo forked; exec sleep 600")
            .build();
    long pid = driver.start(spec).pid().orElseThrow();
    Await.untilTrue(
        "the instance wrote /tmp and forked",
        () -> driver.logs(spec.id(), 1000).contains("forked"));
    // a marker written into the root after the instance's own work: once it is seen, any event
    // from the instance's /tmp write would have been seen before it
    Files.setPosixFilePermissions(
        root().resolve("www"), PosixFilePermissions.fromString("rwxrwxrwx"));
    Drift d = Await.until("the marker", () -> drift("t", Drift.Surface.ROOTFS));
    assertThat(d.subject()).isEqualTo("/www");
    assertThat(driver.drift()).extracting(Drift::surface).containsOnly(Drift.Surface.ROOTFS);
    assertThat(ProcessHandle.of(pid).orElseThrow().isAlive()).isTrue();
  }
}
