package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln scan --fleet} against a real control plane: a service of two busybox httpd instances
 * (process runtime, bubblewrap) whose image carries a dpkg database with a vulnerable openssl; the
 * scan names the live revision and both running instances as carriers of the advisory.
 */
class ScanFleetIT {
  @TempDir Path tmp;
  private ControlPlane cp;
  private Path project;
  private Path home;

  @BeforeEach
  void start() throws Exception {
    project = tmp.resolve("project");
    Path bin = Files.createDirectories(project.resolve("root/bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS))
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    Files.createDirectories(project.resolve("root/www"));
    Files.writeString(project.resolve("root/www/index.html"), "hi\n");
    Files.createDirectories(project.resolve("root/etc"));
    Files.writeString(
        project.resolve("root/etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n");
    Files.createDirectories(project.resolve("root/var/lib/dpkg"));
    Files.writeString(
        project.resolve("root/var/lib/dpkg/status"),
        "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\n"
            + "Version: 3.0.11-1~deb12u0\n");
    home = tmp.resolve("home");
    cp =
        ControlPlane.start(
            ServerConfig.defaults(home)
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0")));
    // Loopback TCP wants the API token too; the CLI uses $KILN_HOME/api.sock, as on the host.
    System.setProperty("kiln.home", home.toString());
  }

  @AfterEach
  void stop() {
    System.clearProperty("kiln.home");
    if (cp != null) {
      try {
        cp.stopFleet("test cleanup");
      } finally {
        cp.close();
      }
    }
  }

  @Test
  void fleetScanNamesTheLiveRevisionAndItsRunningInstances() throws Exception {
    Path file =
        Files.writeString(
            project.resolve("kiln.yaml"),
            """
            images:
              site:
                from: scratch
                steps:
                  - copy: { src: root/, dest: / }
                entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
            services:
              web:
                image: site
                replicas: 2
                health: { http: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
                route: { host: "*", path: / }
            """);
    FakeKilnServer.Run apply =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(apply.exit()).as(apply.err()).isZero();
    Path feed =
        Files.writeString(
            tmp.resolve("DSA-5532-1.json"),
            """
            {"id": "DSA-5532-1", "aliases": ["CVE-2023-5678"],
             "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
               "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}]}],
               "ecosystem_specific": {"urgency": "high"}}]}
            """);
    List<String> running = new ArrayList<>();
    for (JsonNode i : ApiClient.fromEnvironment().get("/v1/instances").path("instances"))
      if (i.path("state").asText().equals("running")) running.add(i.path("id").asText());
    assertThat(running).hasSize(2);

    FakeKilnServer.Run scan =
        FakeKilnServer.run(
            "scan",
            "--home",
            home.toString(),
            "--fleet",
            "--advisories",
            feed.toString(),
            "--fail-on",
            "high");

    assertThat(scan.exit()).as(scan.out() + scan.err()).isEqualTo(1);
    assertThat(scan.out())
        .contains("image site  ")
        .contains("run by web r1 (live): 2 running: ")
        .containsPattern("high\\s+DSA-5532-1\\s+CVE-2023-5678\\s+openssl\\s+3.0.11-1~deb12u0");
    for (String id : running) assertThat(scan.out()).contains(id);
  }
}
