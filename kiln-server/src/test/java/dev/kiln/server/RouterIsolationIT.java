package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The router process started by a real {@code kiln server}: its admin interface wants the token
 * from {@code router/admin-token} (loopback is no boundary), and it holds none of the server's
 * environment, where secrets for instances may sit. Started as the {@code kiln} launcher starts it
 * (an empty environment, the real one on stdin), the server holds the secret without its being in
 * its own {@code /proc/PID/environ}, and still hands it to the instance that needs it.
 */
class RouterIsolationIT {
  private static final String SECRET = "s3cr3t-value-" + Long.toHexString(System.nanoTime());

  @TempDir Path tmp;

  @Test
  void theRoutersAdminWantsItsToken_andItsEnvironmentHoldsNoSecretOfTheServers() throws Exception {
    KilnFixture k = new KilnFixture(tmp);
    Path home = k.home;
    Process server = startServer(home, SECRET);
    long routerPid = -1;
    try {
      Path state = home.resolve("router/router.json");
      long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (!Files.exists(state) && System.nanoTime() < end) Thread.sleep(100);
      assertThat(state).as("router.json written by the router").exists();
      JsonNode s = Json.parse(Files.readString(state));
      routerPid = s.get("pid").asLong();
      String admin = "http://127.0.0.1:" + s.get("admin").asInt();

      HttpClient http = HttpClient.newHttpClient();
      var without =
          http.send(
              HttpRequest.newBuilder(URI.create(admin + "/table")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(without.statusCode()).isEqualTo(401);
      var forged =
          http.send(
              HttpRequest.newBuilder(URI.create(admin + "/table"))
                  .POST(HttpRequest.BodyPublishers.ofString("{\"version\":99,\"services\":[]}"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(forged.statusCode()).isEqualTo(401);
      Path tokenFile = home.resolve("router/admin-token");
      assertThat(Files.getPosixFilePermissions(tokenFile).toString())
          .isEqualTo("[OWNER_READ, OWNER_WRITE]");
      var with =
          http.send(
              HttpRequest.newBuilder(URI.create(admin + "/table"))
                  .header("Authorization", "Bearer " + Files.readString(tokenFile).strip())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(with.statusCode()).isEqualTo(200);

      String routerEnv = environ(routerPid);
      assertThat(routerEnv).doesNotContain(SECRET).contains("PATH=");
      String routerArgs =
          new String(
              Files.readAllBytes(Path.of("/proc/" + routerPid + "/cmdline")),
              StandardCharsets.UTF_8);
      assertThat(routerArgs).doesNotContain(Files.readString(tokenFile).strip());
      assertThat(environ(server.pid())).doesNotContain(SECRET);
      if ("root".equals(System.getProperty("user.name"))) {
        // its JIT compiles at nice 10, never taking a core from its event loops (RouterJvm)
        assertThat(niceOf(routerPid, "C2 CompilerThre")).containsOnly(10);
        assertThat(niceOf(routerPid, "kiln-router-")).isNotEmpty().containsOnly(0);
      }

      // The secret did reach the server: an apply that needs it is accepted (a missing one is a
      // 400).
      Path socket = home.resolve("api.sock");
      while (!Files.exists(socket) && System.nanoTime() < end) Thread.sleep(100);
      Path file = k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }");
      Files.writeString(
          file,
          Files.readString(file)
              .replace(
                  "    replicas: 2\n", "    replicas: 1\n    secrets: [ SHOP_DB_PASSWORD ]\n"));
      String body = k.submission(file);
      String answer =
          ApiSecurityIT.unix(
              socket,
              "POST /v1/apply HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: "
                  + body.getBytes(StandardCharsets.UTF_8).length
                  + "\r\n\r\n"
                  + body);
      assertThat(answer).startsWith("HTTP/1.1 200");
    } finally {
      server.destroy();
      server.waitFor();
      cleanUp(home);
    }
  }

  /** Stops what the killed server left running (fleet and router) through an in-process one. */
  private static void cleanUp(Path home) {
    ControlPlane cp =
        ControlPlane.start(
            new ServerConfig(
                home,
                ServerConfig.address("127.0.0.1:0"),
                ServerConfig.address("127.0.0.1:0"),
                java.time.Clock.systemUTC(),
                java.util.Map.of(),
                true));
    try {
      cp.stopFleet("test cleanup");
      cp.stopRouter();
    } finally {
      cp.close();
    }
  }

  /** The nice value of each of {@code pid}'s threads whose name starts with {@code prefix}. */
  private static java.util.List<Integer> niceOf(long pid, String prefix) throws IOException {
    java.util.List<Integer> out = new java.util.ArrayList<>();
    try (var tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
      for (Path task : tasks.toList()) {
        String stat = Files.readString(task.resolve("stat"));
        String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        // after "(comm) ": state is field 3; nice is field 19
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        if (name.startsWith(prefix)) out.add(Integer.parseInt(f[16]));
      }
    }
    return out;
  }

  private static String environ(long pid) throws IOException {
    return new String(
        Files.readAllBytes(Path.of("/proc/" + pid + "/environ")), StandardCharsets.UTF_8);
  }

  private static Process startServer(Path home, String secret) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            ServerMain.class.getName(),
            "--home",
            home.toString(),
            "--api",
            "127.0.0.1:" + freePort(),
            "--router",
            "127.0.0.1:" + freePort(),
            "--environment-from-stdin",
            "true");
    pb.command().addAll(1, dev.kiln.testkit.ItJvm.flags()); // the build's router settings
    // As the kiln launcher does: nothing inherited, the environment through a pipe.
    pb.environment().clear();
    pb.environment().put("PATH", System.getenv("PATH"));
    Files.createDirectories(home);
    Process p =
        pb.redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(home.resolve("server.log").toFile()))
            .start();
    try (var in = p.getOutputStream()) {
      in.write(
          ("PATH=" + System.getenv("PATH") + "\0SHOP_DB_PASSWORD=" + secret + "\0")
              .getBytes(StandardCharsets.UTF_8));
    }
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
