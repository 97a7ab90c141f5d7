package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.journal.Entry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: {@code src/test/ui/test.mjs} drives Debian's chromium through
 * playwright-core against this real server (real instances, router, journal). The script asks for
 * what only the server side can do — start a canary, restart the server — on its stdout, and this
 * test answers on its stdin. Screenshots land in {@code target/ui-screenshots/}. Skipped only where
 * chromium or node are missing (CI installs both).
 *
 * <p>Chromium fails its requests in flight with {@code net::ERR_NETWORK_CHANGED} whenever a network
 * interface comes or goes on the host, as an IT's instance does when it starts or stops (its veth):
 * as root, node and chromium run in a network namespace of their own with only loopback, and reach
 * the server through a unix socket ({@link UnixBridge}), so it runs beside the other ITs. (Before,
 * it ran alone at the end of the build, and its page twice in about nine builds never caught up
 * after the server's restart: once right after an IT whose instances were still going away.)
 */
class DashboardBrowserIT {
  private static final Path UI = Path.of("src/test/ui").toAbsolutePath();
  private static final Path SHOTS = Path.of("target/ui-screenshots").toAbsolutePath();
  private static final String CANARY =
      "canary: { steps: [ { weight: 20, pause: 5s }, { weight: 50 } ] }";

  @TempDir Path tmp;

  @Test
  void overviewCanaryPromoteAndRestart_inChromium() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "no /usr/bin/chromium");
    assumeTrue(onPath("node") && onPath("npm"), "no node/npm on PATH");
    npmCi();
    Files.createDirectories(SHOTS);
    int apiPort = freePort();
    KilnFixture k = new KilnFixture(tmp);
    k.cp = ControlPlane.start(config(k, apiPort));
    try {
      k.apply(k.blueprint("a", CANARY));
      k.awaitService("web", Duration.ofSeconds(90), KilnFixture.settledOn(1));
      String login = k.json(k.post("/v1/ui/codes", "{}")).get("url").asText();

      // traffic through the router, for the charts (it fails quietly while the server restarts)
      Load load = new Load(k.router() + "/", 1);
      ProcessBuilder browser =
          new ProcessBuilder("node", UI.resolve("test.mjs").toString(), login, SHOTS.toString())
              .directory(UI.toFile())
              .redirectError(ProcessBuilder.Redirect.INHERIT);
      UnixBridge bridge = null;
      if (ownNetwork()) {
        // node and chromium in a network namespace of their own (only loopback), reaching the
        // server through a unix socket: no other IT's veth coming or going can reach chromium
        bridge = new UnixBridge(tmp.resolve("ui-bridge.sock"), apiPort);
        List<String> command = new ArrayList<>(List.of("unshare", "--net", "--", "sh", "-c"));
        command.add("ip link set lo up && exec \"$@\"");
        command.add("sh");
        command.addAll(browser.command());
        browser.command(command).environment().put("KILN_UI_BRIDGE", bridge.socket().toString());
      }
      Process node = browser.start();
      List<String> out = new ArrayList<>();
      try (BufferedReader from =
              new BufferedReader(
                  new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
          PrintWriter to = new PrintWriter(node.getOutputStream(), true, StandardCharsets.UTF_8)) {
        for (String line = from.readLine(); line != null; line = from.readLine()) {
          System.out.println("test.mjs: " + line);
          out.add(line);
          switch (line) {
            case "NEED canary" -> {
              k.apply(k.blueprint("b", CANARY));
              to.println("OK");
            }
            case "NEED restart" -> {
              k.cp.close(); // instances and the journal stay; the page's stream ends here
              k.cp = ControlPlane.start(config(k, apiPort));
              to.println("OK " + k.cp.rec.journal().head().map(Entry::seq).orElseThrow());
            }
            default -> {}
          }
        }
      }
      load.close();
      assertThat(node.waitFor(5, TimeUnit.MINUTES)).as("test.mjs ended").isTrue();
      if (bridge != null) bridge.close();
      assertThat(out).as("test.mjs: " + out).contains("PASS");
      assertThat(node.exitValue()).isZero();
      for (String shot :
          List.of("1-overview.png", "2-canary-50.png", "3-promoted.png", "4-after-restart.png"))
        assertThat(SHOTS.resolve(shot)).isNotEmptyFile();
    } finally {
      k.close();
    }
  }

  private static ServerConfig config(KilnFixture k, int apiPort) {
    return new ServerConfig(
        k.home,
        new InetSocketAddress("127.0.0.1", apiPort),
        ServerConfig.address("127.0.0.1:0"),
        Clock.systemUTC(),
        Map.of());
  }

  /** Installs playwright-core from the lock file, once per checkout (what .ci/run does too). */
  private static void npmCi() throws IOException, InterruptedException {
    if (Files.isDirectory(UI.resolve("node_modules/playwright-core"))) return;
    Process p =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
            .directory(UI.toFile())
            .inheritIO()
            .start();
    assertThat(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0).as("npm ci in " + UI).isTrue();
  }

  /** Whether the browser can have a network namespace of its own: root, unshare and ip. */
  private static boolean ownNetwork() {
    return "root".equals(System.getProperty("user.name")) && onPath("unshare") && onPath("ip");
  }

  private static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":"))
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) return true;
    return false;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
