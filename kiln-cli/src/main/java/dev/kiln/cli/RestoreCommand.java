package dev.kiln.cli;

import dev.kiln.image.HostKey;
import dev.kiln.model.KilnException;
import dev.kiln.server.ControlPlane;
import dev.kiln.server.Recovery;
import dev.kiln.server.ServerConfig;
import dev.kiln.snapshot.SnapshotRestore;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln restore FILE}: a snapshot into an empty KILN_HOME, then the fleet it records,
 * healthy.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "restore",
    description = {
      "Restore a snapshot into an empty KILN_HOME and start its fleet at the revisions it records",
      "(or at journal seq N with --to-seq); finishes when every service is healthy. The snapshot is",
      "verified first and nothing changes if it is bad. The journal continues the same chain with a",
      "`restored` entry. Instances and the router keep running afterwards; `kiln server` adopts them."
    })
public final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin HomeOption home;

  @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot.")
  Path file;

  @Option(
      names = "--to-seq",
      paramLabel = "N",
      description = "Point in time: keep the journal's entries up to seq N only.")
  Optional<Long> toSeq = Optional.empty();

  @Option(
      names = "--force",
      description = "Restore into a non-empty KILN_HOME, moving what is there aside first.")
  boolean force;

  @Option(
      names = "--key-dir",
      paramLabel = "DIR",
      description =
          "The keys/ folder of the host that wrote the snapshot (its private key is never in a snapshot; default: $KILN_HOME/keys if present).")
  Optional<Path> keyDir = Optional.empty();

  @Option(
      names = "--api",
      paramLabel = "ADDR:PORT",
      description = "API listen address while restoring (default: 127.0.0.1:7878).")
  Optional<String> api = Optional.empty();

  @Option(
      names = "--router",
      paramLabel = "ADDR:PORT",
      description = "Router listen address (default: 127.0.0.1:8080).")
  Optional<String> router = Optional.empty();

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "5m",
      converter = ApplyCommand.DurationConverter.class,
      description =
          "Give up waiting for a healthy fleet after this long (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--serve",
      description = "Stay in the foreground as `kiln server` once the fleet is healthy.")
  boolean serve;

  @Override
  public Integer call() throws Exception {
    if (!Files.isRegularFile(file)) throw new KilnException("no snapshot at " + file);
    Path keys = keyDir.orElse(home.keys());
    HostKey key =
        HostKey.loadIfPresent(keys)
            .orElseThrow(
                () ->
                    new KilnException(
                        "no host key in "
                            + keys
                            + ": the private key is never in a snapshot; pass --key-dir DIR, the keys/ folder of the host that wrote it"));
    ServerConfig config = ServerCommand.config(home, api, router).withSeparateRouter(true);
    PrintWriter out = spec.commandLine().getOut();
    OptionalLong seq = toSeq.map(OptionalLong::of).orElse(OptionalLong.empty());
    long started = System.nanoTime();
    SnapshotRestore.Restored r =
        Recovery.restoreFiles(file.toAbsolutePath(), config, key, force, seq, actor());
    out.println(
        "restored "
            + r.members()
            + " members into "
            + r.home()
            + " (journal to seq "
            + r.journalSeq()
            + ", key "
            + r.keyId()
            + "); starting the fleet…");
    out.flush();
    ControlPlane cp = Recovery.startFleet(config, timeout);
    out.print(cp.views().statusText());
    out.println(
        "every service healthy after "
            + (System.nanoTime() - started) / 1_000_000
            + " ms; router http://"
            + cp.routerAddress());
    out.flush();
    if (!serve) {
      cp.close(); // instances and the router process keep running; `kiln server` adopts them
      out.println("the fleet keeps running; `kiln server` on " + config.home() + " manages it");
      out.flush();
      return 0;
    }
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  cp.close();
                  done.countDown();
                }));
    done.await();
    return 0;
  }

  private static String actor() {
    String user = System.getProperty("user.name", "unknown");
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return "uid:" + uid + "(" + user + ") label=kiln-restore";
    } catch (IOException | RuntimeException e) {
      return "user:" + user + " label=kiln-restore";
    }
  }
}
