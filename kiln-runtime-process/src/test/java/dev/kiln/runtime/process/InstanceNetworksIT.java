package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real network namespaces, veth pairs and nftables: an instance answers the host on its slot
 * address while listening on its own 127.0.0.1, and reaches neither the host nor another instance.
 * The programs run as an unprivileged host uid in a user namespace, as instances do.
 */
class InstanceNetworksIT {
  @TempDir Path tmp;
  private InstanceNetworks networks;
  private final List<Process> processes = new ArrayList<>();
  private final List<NetworkSlot> slots = new ArrayList<>();
  private Path root;

  @BeforeEach
  void setUp() throws IOException {
    Optional<InstanceNetworks> n = InstanceNetworks.open(tmp.resolve("home"), 1);
    assumeTrue(n.isPresent(), "needs root, iproute2, nftables and nsenter");
    networks = n.get();
    root = tmp.resolve("root");
    for (String d : List.of("bin", "proc", "dev", "tmp", "www"))
      Files.createDirectories(root.resolve(d));
    Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
    Files.writeString(root.resolve("www/index.html"), "hello from a tenant\n");
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (var walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        Files.setPosixFilePermissions(
            p,
            PosixFilePermissions.fromString(
                Files.isDirectory(p) || p.endsWith("busybox") ? "rwxr-xr-x" : "rw-r--r--"));
      }
    }
  }

  @AfterEach
  void tearDown() {
    processes.forEach(Process::destroyForcibly);
    if (networks != null) {
      slots.forEach(networks::release);
      networks.close();
    }
  }

  @Test
  void theHostReachesAnInstanceListeningOnItsOwnLoopback() throws Exception {
    NetworkSlot slot = slot("a");
    serve(slot, 8080);

    assertThat(get("http://" + slot.instanceAddress() + ":8080/"))
        .isEqualTo("hello from a tenant\n");
  }

  @Test
  void anInstanceReachesNeitherTheHostNorItsLoopbackServicesNorAnotherInstance() throws Exception {
    NetworkSlot a = slot("a");
    NetworkSlot b = slot("b");
    serve(b, 8080);
    assertThat(get("http://" + b.instanceAddress() + ":8080/")).contains("tenant");
    try (ServerSocket hostService = new ServerSocket()) {
      hostService.bind(new InetSocketAddress("0.0.0.0", 0));
      int port = hostService.getLocalPort();

      String report =
          inside(
              a,
              // A listener of its own proves the probe itself works: that one must be open.
              "/bin/busybox httpd -p 127.0.0.1:9090 -h /www; for t in 127.0.0.1:9090 "
                  + a.hostAddress()
                  + ":"
                  + port
                  + " 127.0.0.1:"
                  + port
                  + " "
                  + b.instanceAddress()
                  + ":8080; do"
                  + " if echo x | nc -w 2 ${t%:*} ${t#*:} >/dev/null 2>&1; then echo \"$t open\"; else echo \"$t closed\"; fi; done;"
                  + " echo listeners=$(grep -c ': 00000000:0000 0A\\|:.... 00000000:0000 0A' /proc/net/tcp)");

      assertThat(report)
          .contains("127.0.0.1:9090 open")
          .contains(a.hostAddress() + ":" + port + " closed")
          .contains("127.0.0.1:" + port + " closed")
          .contains(b.instanceAddress() + ":8080 closed")
          .doesNotContain(":" + port + " open")
          .doesNotContain(":8080 open");
      // The instance's /proc/net/tcp is its own namespace's: the host's listener is not in it.
      String hostPortHex = String.format(":%04X ", port);
      assertThat(inside(a, "cat /proc/net/tcp")).doesNotContain(hostPortHex);
    }
  }

  @Test
  void releasingASlotRemovesItsNamespaceAndVeth_andReclaimFreesWhatNoInstanceUses()
      throws Exception {
    NetworkSlot s = networks.acquire("gone");
    assertThat(s.namespacePath()).exists();
    assertThat(Path.of("/sys/class/net", s.hostInterface())).exists();
    networks.release(s);
    assertThat(s.namespacePath()).doesNotExist();
    assertThat(Path.of("/sys/class/net", s.hostInterface())).doesNotExist();

    NetworkSlot kept = slot("kept");
    NetworkSlot orphan = networks.acquire("orphan");
    networks.reclaim(Set.of(kept));
    assertThat(orphan.namespacePath()).doesNotExist();
    assertThat(kept.namespacePath()).exists();
  }

  private NetworkSlot slot(String name) {
    NetworkSlot s = networks.acquire(name);
    slots.add(s);
    return s;
  }

  private List<String> sandbox(NetworkSlot slot, List<String> command) {
    List<String> argv =
        new ArrayList<>(
            List.of(
                "nsenter",
                "--net=" + slot.namespacePath(),
                "setpriv",
                "--reuid",
                "1000001",
                "--regid",
                "1000001",
                "--clear-groups",
                "bwrap",
                "--unshare-user",
                "--uid",
                "0",
                "--gid",
                "0",
                "--unshare-pid",
                "--share-net",
                "--ro-bind",
                root.toString(),
                "/",
                "--proc",
                "/proc",
                "--dev",
                "/dev",
                "--tmpfs",
                "/tmp",
                "--die-with-parent"));
    argv.addAll(command);
    return argv;
  }

  private void serve(NetworkSlot slot, int port) throws Exception {
    Process p =
        new ProcessBuilder(
                sandbox(
                    slot,
                    List.of(
                        "/bin/busybox", "httpd", "-f", "-p", "127.0.0.1:" + port, "-h", "/www")))
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("httpd-" + slot.index() + ".log").toFile())
            .start();
    processes.add(p);
    for (int i = 0; i < 100; i++) {
      try {
        get("http://" + slot.instanceAddress() + ":" + port + "/");
        return;
      } catch (IOException notYet) {
        Thread.sleep(50);
      }
    }
    throw new IllegalStateException(
        "httpd did not start: " + Files.readString(tmp.resolve("httpd-" + slot.index() + ".log")));
  }

  private String inside(NetworkSlot slot, String script) throws Exception {
    Process p =
        new ProcessBuilder(sandbox(slot, List.of("/bin/busybox", "sh", "-c", script)))
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    return r.body();
  }
}
