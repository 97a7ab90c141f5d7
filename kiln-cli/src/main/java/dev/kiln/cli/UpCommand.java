package dev.kiln.cli;

import dev.kiln.api.BlueprintRequest;
import dev.kiln.model.Digest;
import dev.kiln.server.ControlPlane;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kiln up}: dev mode. Starts the control plane in this process, bakes what is missing,
 * applies the blueprint and prints the fleet's status every second; Ctrl-C drains and stops every
 * instance, then exits 0.
 */
@Command(
    name = "up",
    mixinStandardHelpOptions = true,
    description = {
      "Dev mode: control plane + router + the blueprint's fleet, in the foreground.",
      "Bakes missing images, applies the blueprint, shows live status; Ctrl-C stops the fleet cleanly.",
      "A blueprint with environments: needs --env NAME (served on that environment's router:)."
    })
public final class UpCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin BlueprintOption blueprint;
  @Mixin EnvOption env;

  @Option(
      names = "--api",
      paramLabel = "ADDR:PORT",
      description = "API listen address (default: 127.0.0.1:7878).")
  Optional<String> api = Optional.empty();

  @Option(
      names = "--router",
      paramLabel = "ADDR:PORT",
      description = "Router listen address (default: 127.0.0.1:8080).")
  Optional<String> router = Optional.empty();

  @Option(
      names = "--router-tls",
      paramLabel = "ADDR:PORT",
      split = ",",
      description =
          "Also listen for HTTPS there (e.g. 127.0.0.1:8443; h2 or HTTP/1.1 by ALPN). Certificates come from services' route.tls, picked by SNI.")
  java.util.List<String> routerTls = new java.util.ArrayList<>();

  @Option(names = "--no-bake", description = "Do not bake; refuse if an image is not baked yet.")
  boolean noBake;

  @Option(
      names = {"-d", "--detach"},
      description =
          "Run the fleet in the background and return once it is healthy (its output in $KILN_HOME/up.log); `kiln down` stops it.")
  boolean detach;

  /** The process {@code --detach} starts: no screen redraws, a pid file for {@code kiln down}. */
  @Option(names = "--background", hidden = true)
  boolean background;

  @Option(
      names = "--once",
      hidden = true,
      description =
          "Apply, wait until every replica is healthy (60 s at most), print the status, stop (for tests).")
  boolean once;

  private final AtomicBoolean stopping = new AtomicBoolean();

  /** Drains and stops the fleet: on Ctrl-C (a shutdown hook), or {@link #stop}. */
  private volatile @org.jspecify.annotations.Nullable Thread hook;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    // Read and bake before anything starts: a broken blueprint leaves nothing running.
    LocalBlueprint.Prepared prepared;
    try {
      // The server deploys only images signed by the host key: make it before baking.
      Path keys = home.home().resolve("keys");
      if (dev.kiln.image.HostKey.loadIfPresent(keys).isEmpty())
        dev.kiln.image.HostKey.generate(keys);
      prepared = LocalBlueprint.prepare(blueprint.file, home.home(), !noBake, noBake);
    } catch (RuntimeException e) {
      System.err.println("kiln up: " + e.getMessage());
      return 1;
    }
    prepared.notes().forEach(n -> out.println("image " + n.image() + ": " + n.text()));
    if (detach) {
      // baked above, in the foreground, so that a bad blueprint or a failed bake is reported here
      return UpDetached.start(home.home(), env.env, backgroundArgs(), out, System.err);
    }
    var config = ServerCommand.config(home, api, router);
    if (!routerTls.isEmpty())
      config =
          config.withRouterTls(
              routerTls.stream().map(dev.kiln.server.ServerConfig::address).toList());
    ControlPlane cp = ControlPlane.start(config);
    dev.kiln.server.ServerMain.rehearseRollbacks(cp, config.clock());
    CountDownLatch stopped = new CountDownLatch(1);
    Thread stopHook =
        new Thread(
            () -> {
              stopping.set(true);
              out.println("\nkiln up: stopping the fleet (drain, stop)…");
              try {
                cp.stopFleet(actor());
              } finally {
                cp.close();
                if (background) UpDetached.removePid(home.home());
                out.println("kiln up: stopped.");
                stopped.countDown();
              }
            });
    hook = stopHook;
    Runtime.getRuntime().addShutdownHook(stopHook);
    if (background) UpDetached.writePid(home.home());
    out.println(
        "kiln up: API "
            + cp.apiSocket()
            + " (TCP http://"
            + cp.apiAddress()
            + ", with the token)  router http://"
            + cp.routerAddress()
            + https(cp));
    try {
      // the request kiln apply would send, taken in process
      BlueprintRequest request = prepared.request();
      Map<String, Digest> images = new TreeMap<>();
      Map<String, String> given = request.images();
      if (given != null) given.forEach((ref, digest) -> images.put(ref, Digest.parse(digest)));
      Map<String, String> certs = request.certificates();
      Map<String, String> certificates = certs == null ? new TreeMap<>() : new TreeMap<>(certs);
      var applied =
          cp.apply(
              request.blueprint(), label(blueprint.file), images, certificates, actor(), env.env);
      out.println(dev.kiln.controller.PlanRenderer.render(applied));
    } catch (RuntimeException e) {
      System.err.println("kiln up: " + e.getMessage());
      Runtime.getRuntime().removeShutdownHook(stopHook);
      cp.close();
      return 1;
    }
    if (background) {
      // a log, not a screen: a line when the status changes; kiln down (SIGTERM) runs the hook
      String last = "";
      while (!stopping.get()) {
        String status = cp.views().statusText();
        if (!status.equals(last)) {
          out.print(java.time.Instant.now() + "\n" + status);
          out.flush();
          last = status;
        }
        Thread.sleep(1000);
      }
      stopped.await();
      return 0;
    }
    int rounds = 0;
    while (!stopping.get()) {
      boolean done = once && (allHealthy(cp) || ++rounds >= 60);
      String status = cp.views().statusText();
      out.print("\033[H\033[2J");
      out.println(
          "kiln up"
              + env.env.map(e -> " --env " + e).orElse("")
              + " — router http://"
              + cp.routerAddress(env.env)
              + https(cp)
              + "  (Ctrl-C stops the fleet)");
      out.print(status);
      out.flush();
      if (done) {
        Runtime.getRuntime().removeShutdownHook(stopHook);
        stopHook
            .start(); // the same stop as Ctrl-C, on the hook's own thread (never run() a Thread)
        stopHook.join();
        return 0;
      }
      Thread.sleep(1000);
    }
    stopped.await();
    return 0;
  }

  /** The options of this {@code kiln up} again, for the background one (already baked). */
  private java.util.List<String> backgroundArgs() {
    java.util.List<String> a = new java.util.ArrayList<>();
    a.add("--no-bake");
    a.add("--home");
    a.add(home.home().toAbsolutePath().toString());
    a.add("-f");
    a.add(blueprint.file.toAbsolutePath().toString());
    api.ifPresent(v -> a.addAll(java.util.List.of("--api", v)));
    router.ifPresent(v -> a.addAll(java.util.List.of("--router", v)));
    if (!routerTls.isEmpty())
      a.addAll(java.util.List.of("--router-tls", String.join(",", routerTls)));
    env.env.ifPresent(v -> a.addAll(java.util.List.of("--env", v)));
    return a;
  }

  /** What Ctrl-C does: drain and stop the fleet, then {@link #call} returns 0 (for tests). */
  void stop() {
    Thread h = hook;
    if (h != null && Runtime.getRuntime().removeShutdownHook(h)) h.start();
  }

  private static String https(ControlPlane cp) {
    return cp.routerTlsAddresses().stream().map(a -> " https://" + a).reduce("", String::concat);
  }

  private static boolean allHealthy(ControlPlane cp) {
    var services = cp.views().services().services();
    if (services.isEmpty()) return false;
    for (var s : services) {
      if (s.healthy() < s.replicas()) return false;
    }
    return true;
  }

  /** {@code folder/kiln.yaml}: what errors and the journal call the blueprint. */
  private static Path label(Path file) {
    Path abs = file.toAbsolutePath().normalize();
    Path folder = abs.getParent();
    return folder == null || folder.getFileName() == null
        ? abs.getFileName()
        : folder.getFileName().resolve(abs.getFileName());
  }

  /** This process's uid, as the API would name a caller on its socket: {@code uid:0(root)}. */
  private static String actor() {
    String user = System.getProperty("user.name", "unknown");
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return "uid:" + uid + "(" + user + ") label=kiln-up";
    } catch (IOException | RuntimeException e) {
      return "user:" + user + " label=kiln-up";
    }
  }
}
