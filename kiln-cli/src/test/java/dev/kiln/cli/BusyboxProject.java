package dev.kiln.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * The project the {@code kiln up} tests bake: the host's static busybox as {@code /bin} (with its
 * {@code sh}), one page as {@code /www}, and a service {@code web} of busybox httpd instances.
 */
final class BusyboxProject {
  private BusyboxProject() {}

  /**
   * Writes {@code bin/} and {@code site/index.html} (holding {@code page}) under {@code project}.
   */
  static void files(Path project, String page) throws IOException {
    Path bin = Files.createDirectories(project.resolve("bin"));
    Files.copy(
        Path.of("/bin/busybox"), bin.resolve("busybox"), StandardCopyOption.REPLACE_EXISTING);
    Files.setPosixFilePermissions(
        bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    if (!Files.exists(bin.resolve("sh"), LinkOption.NOFOLLOW_LINKS)) {
      Files.createSymbolicLink(bin.resolve("sh"), Path.of("busybox"));
    }
    Files.createDirectories(project.resolve("site"));
    Files.writeString(project.resolve("site/index.html"), page);
  }

  /** The image {@code hello} and the service {@code web} with {@code replicas} instances. */
  static String blueprint(int replicas) {
    return """
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
            replicas: %d
            health: { http: /, interval: 200ms, timeout: 1s, healthy: 1, unhealthy: 3 }
            route: { host: "*", path: / }
        """
        .formatted(replicas);
  }

  /** {@link #files} and {@link #blueprint} as {@code project/kiln.yaml}; returns that file. */
  static Path hello(Path project, String page, int replicas) throws IOException {
    files(project, page);
    return Files.writeString(project.resolve("kiln.yaml"), blueprint(replicas));
  }
}
