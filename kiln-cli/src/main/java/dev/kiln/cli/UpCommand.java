package dev.kiln.cli;

import dev.kiln.server.ControlPlane;
import java.io.PrintStream;
import java.util.Optional;
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
      "Bakes missing images, applies the blueprint, shows live status; Ctrl-C stops the fleet cleanly."
    })
public final class UpCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin BlueprintOption blueprint;

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
      names = "--once",
      hidden = true,
      description =
          "Apply, wait until every replica is healthy (60 s at most), print the status, stop (for tests).")
  boolean once;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    ControlPlane cp = ControlPlane.start(ServerCommand.config(home, api, router));
    AtomicBoolean stopping = new AtomicBoolean();
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stopping.set(true);
              out.println("\nkiln up: stopping the fleet (drain, stop)…");
              try {
                cp.stopFleet(actor());
              } finally {
                cp.close();
                out.println("kiln up: stopped.");
                stopped.countDown();
              }
            });
    Runtime.getRuntime().addShutdownHook(hook);
    out.println("kiln up: API http://" + cp.apiAddress() + "  router http://" + cp.routerAddress());
    try {
      var applied = cp.apply(blueprint.file.toAbsolutePath(), actor());
      out.println(dev.kiln.controller.PlanRenderer.render(applied));
    } catch (RuntimeException e) {
      System.err.println("kiln up: " + e.getMessage());
      Runtime.getRuntime().removeShutdownHook(hook);
      cp.close();
      return 1;
    }
    int rounds = 0;
    while (!stopping.get()) {
      boolean done = once && (allHealthy(cp) || ++rounds >= 60);
      String status = cp.views().statusText();
      out.print("\033[H\033[2J");
      out.println("kiln up — router http://" + cp.routerAddress() + "  (Ctrl-C stops the fleet)");
      out.print(status);
      out.flush();
      if (done) {
        Runtime.getRuntime().removeShutdownHook(hook);
        hook.run();
        return 0;
      }
      Thread.sleep(1000);
    }
    stopped.await();
    return 0;
  }

  private static boolean allHealthy(ControlPlane cp) {
    var services = cp.views().services().get("services");
    if (services.isEmpty()) return false;
    for (var s : services) {
      if (s.get("healthy").asInt() < s.get("replicas").asInt()) return false;
    }
    return true;
  }

  private static String actor() {
    String user = System.getenv().getOrDefault("USER", "user");
    return "local:" + user + " (kiln up)";
  }
}
