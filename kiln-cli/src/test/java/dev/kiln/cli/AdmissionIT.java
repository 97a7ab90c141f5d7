package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admission against a real control plane started with {@code --advisories}: a blueprint with {@code
 * policy: { deny-severity: critical }} whose image carries a critical advisory is refused at apply
 * (journaled, naming the advisory), then accepted once {@code kiln policy allow} records an
 * exception. The feed also holds a malformed file: the server starts and judges with the rest.
 */
class AdmissionIT {
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
    Path feed = Files.createDirectories(tmp.resolve("feed"));
    Files.writeString(
        feed.resolve("DSA-5532-1.json"),
        """
        {"id": "DSA-5532-1", "aliases": ["CVE-2023-5678"],
         "affected": [{"package": {"ecosystem": "Debian:12", "name": "openssl"},
           "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "3.0.11-1~deb12u1"}]}]}],
         "database_specific": {"severity": "CRITICAL"}}
        """);
    Files.writeString(feed.resolve("broken.json"), "{\"id\": \"DSA-1-1\", \"affected\": [");
    home = tmp.resolve("home");
    System.setProperty("kiln.home", home.toString());
    cp =
        ControlPlane.start(
            ServerConfig.defaults(home)
                .withApi(ServerConfig.address("127.0.0.1:0"))
                .withRouter(ServerConfig.address("127.0.0.1:0"))
                .withAdvisories(feed));
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
  void criticalAdvisoryIsRefusedAtApply_untilAJournaledExceptionLetsItThrough() throws Exception {
    Path file =
        Files.writeString(
            project.resolve("kiln.yaml"),
            """
            policy: { deny-severity: critical }
            images:
              site:
                from: scratch
                steps:
                  - copy: { src: root/, dest: / }
                entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
            services:
              web:
                image: site
                replicas: 1
                health: { http: /, interval: 100ms, timeout: 1s, healthy: 1, unhealthy: 3 }
                route: { host: "*", path: / }
            """);
    FakeKilnServer.Run refused =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(refused.exit()).as(refused.out() + refused.err()).isNotZero();
    assertThat(refused.err())
        .contains("admission refused")
        .contains("DSA-5532-1")
        .contains("kiln policy allow");
    assertThat(FakeKilnServer.run("journal", "--kind", "admission-refused", "-o", "json").out())
        .contains("DSA-5532-1")
        .contains("critical");
    assertThat(ApiClient.fromEnvironment().get("/v1/services").path("services")).isEmpty();

    // A date in the past is refused; nothing is recorded.
    FakeKilnServer.Run past =
        FakeKilnServer.run(
            "policy", "allow", "DSA-5532-1", "--until", "2020-01-01", "--reason", "too late");
    assertThat(past.exit()).isNotZero();
    assertThat(past.err()).contains("already past");

    String until = LocalDate.now(ZoneOffset.UTC).plusDays(7).toString();
    FakeKilnServer.Run allow =
        FakeKilnServer.run(
            "policy",
            "allow",
            "CVE-2023-5678",
            "--until",
            until,
            "--reason",
            "fix ships next week; not reachable from outside");
    assertThat(allow.exit()).as(allow.out() + allow.err()).isZero();
    assertThat(allow.out()).contains("allowed CVE-2023-5678 until ");

    FakeKilnServer.Run accepted =
        FakeKilnServer.run("apply", "-f", file.toString(), "--timeout", "2m");
    assertThat(accepted.exit()).as(accepted.out() + accepted.err()).isZero();
    String journal = FakeKilnServer.run("journal", "-o", "json").out();
    assertThat(journal)
        .contains("policy-exception")
        .contains("fix ships next week")
        .contains("admission-excepted");
  }
}
