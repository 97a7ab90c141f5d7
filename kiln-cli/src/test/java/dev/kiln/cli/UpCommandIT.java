package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln up}: bakes, applies, shows the fleet healthy, and stops every instance at the end.
 */
class UpCommandIT {
  @TempDir Path tmp;

  @Test
  void up_bakesAppliesShowsHealthyFleetAndStopsItCleanly() throws Exception {
    Path project = tmp.resolve("project");
    Path bin = Files.createDirectories(project.resolve("bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    }
    Files.createDirectories(project.resolve("site"));
    Files.writeString(project.resolve("site/index.html"), "hello\n");
    Path file = project.resolve("kiln.yaml");
    Files.writeString(
        file,
        """
        images:
          hello:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
        services:
          web:
            image: hello
            replicas: 2
            health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
        """);
    Path home = tmp.resolve("home");
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true));
      code =
          Main.run(
              "up",
              "--home",
              home.toString(),
              "-f",
              file.toString(),
              "--api",
              "127.0.0.1:0",
              "--router",
              "127.0.0.1:0",
              "--once");
    } finally {
      System.setOut(saved);
    }
    String out = captured.toString();
    assertThat(code).as(out).isZero();
    assertThat(out).contains("web").contains("2/2").contains("kiln up: stopped.");
    // Every instance was stopped and removed: nothing is left for the next start to adopt.
    Path instances = home.resolve("instances");
    if (Files.isDirectory(instances)) {
      try (Stream<Path> s = Files.list(instances)) {
        assertThat(s.filter(p -> Files.exists(p.resolve("instance.json"))).toList()).isEmpty();
      }
    }
  }

  @Test
  void up_withEnv_runsThatEnvironmentOnItsOwnRouter() throws Exception {
    Path project = tmp.resolve("project");
    Path bin = Files.createDirectories(project.resolve("bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    }
    Files.createDirectories(project.resolve("site"));
    Files.writeString(project.resolve("site/index.html"), "hello\n");
    int stagingPort;
    int productionPort;
    try (java.net.ServerSocket a = new java.net.ServerSocket(0);
        java.net.ServerSocket b = new java.net.ServerSocket(0)) {
      stagingPort = a.getLocalPort();
      productionPort = b.getLocalPort();
    }
    Path file = project.resolve("kiln.yaml");
    Files.writeString(
        file,
        """
        images:
          hello:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
        services:
          web:
            image: hello
            replicas: 2
            health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
        environments:
          staging:
            router: 127.0.0.1:%d
            services:
              web: { replicas: 1 }
          production:
            router: 127.0.0.1:%d
            promotion: { from: staging, soak: 10m }
        """
            .formatted(stagingPort, productionPort));
    Path home = tmp.resolve("home");
    PrintStream saved = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(captured, true));
      code =
          Main.run(
              "up",
              "--home",
              home.toString(),
              "-f",
              file.toString(),
              "--env",
              "staging",
              "--api",
              "127.0.0.1:0",
              "--router",
              "127.0.0.1:0",
              "--once");
    } finally {
      System.setOut(saved);
    }
    String out = captured.toString();
    assertThat(code).as(out).isZero();
    assertThat(out)
        .contains("kiln up --env staging — router http://127.0.0.1:" + stagingPort)
        .contains("staging--web")
        .contains("1/1")
        .doesNotContain("production--web")
        .contains("kiln up: stopped.");
  }
}
