package dev.kiln.testkit;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code docker-registry} (the CNCF distribution registry, 2.8) started on a loopback port
 * with its storage in a temp dir, optionally behind TLS and htpasswd. `.ci/run` installs it.
 */
public final class LoopbackRegistry implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/docker-registry");

  public final int port;
  final Path dir;
  private final String host;
  private final Process process;

  private LoopbackRegistry(String host, int port, Path dir, Process process) {
    this.host = host;
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  public static LoopbackRegistry start(Path dir, List<String> extraConfig)
      throws IOException, InterruptedException {
    return start(dir, "127.0.0.1", extraConfig);
  }

  /**
   * Listens on {@code host} instead of loopback: e.g. {@link SwarmHosts#gateway()}, where
   * namespaced engines reach it.
   */
  public static LoopbackRegistry start(Path dir, String host, List<String> extraConfig)
      throws IOException, InterruptedException {
    Assumptions.assumeTrue(
        Files.isExecutable(BINARY),
        "docker-registry is not installed (apt-get install docker-registry)");
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    List<String> config = new ArrayList<>();
    config.add("version: 0.1");
    config.add("log: { level: error, accesslog: { disabled: true } }");
    config.add(
        "storage: { filesystem: { rootdirectory: "
            + dir.resolve("data")
            + " }, delete: { enabled: true } }");
    config.add("http:");
    config.add("  addr: " + host + ":" + port);
    config.addAll(extraConfig);
    Path file = dir.resolve("config.yml");
    Files.createDirectories(dir);
    Files.write(file, config);
    Process p =
        new ProcessBuilder(BINARY.toString(), "serve", file.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("registry.log").toFile())
            .start();
    for (int i = 0; i < 200; i++) {
      try (Socket s = new Socket(host, port)) {
        return new LoopbackRegistry(host, port, dir, p);
      } catch (IOException notYet) {
        if (!p.isAlive()) break;
        Thread.sleep(50);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException(
        "docker-registry did not start: " + Files.readString(dir.resolve("registry.log")));
  }

  public String address() {
    return host + ":" + port;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly();
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
