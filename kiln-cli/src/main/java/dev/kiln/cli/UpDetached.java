package dev.kiln.cli;

import dev.kiln.api.EnvironmentView;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.Health;
import dev.kiln.api.RolloutView;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.model.KilnException;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@code kiln up --detach}: the same dev-mode fleet, run by a {@code kiln up} in the background
 * ({@code docker compose up -d}), and {@code kiln down} to stop it. The background process is this
 * program again, in a session of its own (closing the terminal does not stop it), its output in
 * {@code $KILN_HOME/up.log}, its pid in {@code $KILN_HOME/up.pid}; it stops the fleet the way
 * Ctrl-C does (drain, stop) when {@code kiln down} sends it SIGTERM.
 */
final class UpDetached {
  private UpDetached() {}

  /** How long {@code kiln up --detach} waits for every replica to be healthy before it returns. */
  static final Duration READY_TIMEOUT = Duration.ofMinutes(5);

  static Path pidFile(Path home) {
    return home.resolve("up.pid");
  }

  static Path logFile(Path home) {
    return home.resolve("up.log");
  }

  /** The running background {@code kiln up} of this home, if there is one. */
  static Optional<ProcessHandle> running(Path home) {
    Path file = pidFile(home);
    if (!Files.isRegularFile(file)) return Optional.empty();
    try {
      long pid = Long.parseLong(Files.readString(file).strip());
      // a pid file left by a crash may name a pid reused since: only a background kiln up counts
      return ProcessHandle.of(pid).filter(p -> p.isAlive() && isBackgroundUp(pid));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static boolean isBackgroundUp(long pid) {
    try {
      String cmdline =
          new String(
              Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
              StandardCharsets.UTF_8);
      List<String> args = List.of(cmdline.split("\0"));
      return args.contains("up") && args.contains("--background");
    } catch (IOException e) {
      return false;
    }
  }

  /** Written by the background process once its control plane runs; removed after it stopped. */
  static void writePid(Path home) {
    try {
      Path tmp = home.resolve("up.pid.tmp");
      Files.writeString(tmp, ProcessHandle.current().pid() + "\n");
      Files.move(tmp, pidFile(home), StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new KilnException("cannot write " + pidFile(home) + ": " + e.getMessage(), e);
    }
  }

  static void removePid(Path home) {
    try {
      Files.deleteIfExists(pidFile(home));
    } catch (IOException e) {
      // the next kiln up --detach finds it stale (not a background kiln up) and writes its own
    }
  }

  /**
   * Starts {@code kiln up --background} with {@code upArgs} and waits until every replica is
   * healthy, a rollout failed, or the background process ended.
   *
   * @return the exit code of {@code kiln up --detach}
   */
  static int start(
      Path home, Optional<String> env, List<String> upArgs, PrintStream out, PrintStream err)
      throws IOException, InterruptedException {
    Optional<ProcessHandle> already = running(home);
    if (already.isPresent()) {
      throw new KilnException(
          "a detached kiln up already runs for "
              + home
              + " (pid "
              + already.get().pid()
              + "); stop it with `kiln down` first, or use another KILN_HOME");
    }
    Files.createDirectories(home);
    ApiClient api = homeClient(home);
    refuseIfServed(home, api);
    Path log = logFile(home);
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(Path.of("/usr/bin/setsid"))) command.add("/usr/bin/setsid");
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib:jdwp") && !a.startsWith("-Xrunjdwp")) command.add(a);
    }
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(Main.class.getName());
    command.add("up");
    command.add("--background");
    command.addAll(upArgs);
    Files.writeString(log, "");
    Process child =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .redirectErrorStream(true)
            .start();
    out.println("kiln up: starting the fleet in the background (pid " + child.pid() + ")…");
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    ServicesResponse ready;
    while (true) {
      if (!child.isAlive()) {
        err.println(
            "kiln up: the background kiln up ended (exit "
                + child.exitValue()
                + ") before the fleet was healthy; the end of "
                + log
                + ":");
        tail(log, 20).forEach(l -> err.println("  " + l));
        return 1;
      }
      Optional<ServicesResponse> services = services(api);
      if (services.isPresent()) {
        Optional<String> failed = failedRollout(services.get());
        if (failed.isPresent()) {
          err.println("kiln up: " + failed.get());
          err.println(stopHint(home, child.pid(), log));
          return 1;
        }
        if (healthy(services.get())) {
          ready = services.get();
          break;
        }
      }
      if (System.nanoTime() > deadline) {
        err.println(
            "kiln up: the fleet is not healthy after "
                + READY_TIMEOUT.toMinutes()
                + " minutes; it keeps trying in the background (kiln status).");
        err.println(stopHint(home, child.pid(), log));
        return 1;
      }
      Thread.sleep(250);
    }
    out.println(
        "kiln up: the fleet is healthy and runs in the background; router http://"
            + routerAddress(api, env));
    waiting(ready).forEach(out::println);
    out.println(stopHint(home, child.pid(), log));
    return 0;
  }

  /** The API of this home's server, over its unix socket. */
  private static ApiClient homeClient(Path home) {
    return new ApiClient(
        new ApiClient.Endpoint(
            URI.create("http://localhost/"),
            Optional.of(home.resolve("api.sock").toAbsolutePath()),
            Optional.empty(),
            System.getProperty("user.name", "unknown") + "@kiln-up"));
  }

  /**
   * A server that already answers on the home's socket (a {@code kiln server}, a foreground {@code
   * kiln up}) is refused before anything starts. The background one would stop at once for that
   * reason, but the wait below asked that other server, and reported its fleet (an old aborted
   * rollout, say) as if it were the one just started.
   */
  static void refuseIfServed(Path home, ApiClient api) {
    try {
      api.get("/v1/health");
    } catch (RuntimeException e) {
      return; // nothing answers (no socket, or a stale one): this home is free
    }
    throw new KilnException(
        "another kiln server answers on "
            + home.resolve("api.sock")
            + " (a `kiln server` or a `kiln up` of this KILN_HOME); its fleet is in `kiln"
            + " status`. Stop it first, or use another KILN_HOME");
  }

  /** Where the fleet is served: the server's router, or the environment's own. */
  private static String routerAddress(ApiClient api, Optional<String> env) {
    String main = ApiClient.read(api.get("/v1/health"), Health.class).router();
    if (env.isEmpty()) return main;
    return ApiClient.read(api.get("/v1/environments"), EnvironmentsResponse.class)
        .environments()
        .stream()
        .filter(e -> e.name().equals(env.get()) && e.listening() != null)
        .map(EnvironmentView::listening)
        .findFirst()
        .orElse(main);
  }

  private static String stopHint(Path home, long pid, Path log) {
    return "  status: kiln status    its log: "
        + log
        + "    stop it (drain, stop): kiln down"
        + (home.equals(KilnHome.resolve()) ? "" : " --home " + home)
        + "   (pid "
        + pid
        + ")";
  }

  private static Optional<ServicesResponse> services(ApiClient api) {
    try {
      return Optional.of(ApiClient.read(api.get("/v1/services"), ServicesResponse.class));
    } catch (RuntimeException e) {
      return Optional.empty(); // not listening yet
    }
  }

  /** Every service of the blueprint has all its replicas healthy. */
  static boolean healthy(ServicesResponse services) {
    if (services.services().isEmpty()) return false;
    for (ServiceView s : services.services()) {
      if (s.healthy() < s.replicas()) return false;
      RolloutView r = s.rollout();
      // a rollout waiting for `kiln promote` (a canary's pause, a blue-green's preview) waits for
      // the user, not for time; one keeping its old fleet warm (SCALING_DOWN) serves already
      if (r != null && r.phase().equals("PROGRESSING") && !ProgressRender.awaitsUser(r))
        return false;
    }
    return true;
  }

  /** What the user is to do next, for each rollout that waits for them. */
  static List<String> waiting(ServicesResponse services) {
    List<String> out = new ArrayList<>();
    for (ServiceView s : services.services()) {
      RolloutView r = s.rollout();
      if (r != null && ProgressRender.awaitsUser(r)) {
        out.add(
            "  "
                + s.name()
                + ": the rollout "
                + r.from()
                + " -> "
                + r.to()
                + " waits: "
                + r.message()
                + " (kiln promote "
                + s.name()
                + ")");
      }
    }
    return out;
  }

  /** A rollout that ended without reaching its revision: the fleet will not get healthy alone. */
  static Optional<String> failedRollout(ServicesResponse services) {
    for (ServiceView s : services.services()) {
      RolloutView r = s.rollout();
      if (r != null && r.phase().equals("ABORTED")) {
        return Optional.of("the rollout of " + s.name() + " was aborted: " + r.message());
      }
    }
    return Optional.empty();
  }

  private static List<String> tail(Path file, int lines) {
    try {
      List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
      return all.subList(Math.max(0, all.size() - lines), all.size());
    } catch (IOException e) {
      return List.of();
    }
  }
}
