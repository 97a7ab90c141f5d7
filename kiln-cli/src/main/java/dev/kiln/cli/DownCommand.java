package dev.kiln.cli;

import dev.kiln.model.KilnException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * {@code kiln down}: stops the fleet of a {@code kiln up --detach} the way Ctrl-C stops a {@code
 * kiln up} in the foreground — every instance drained and stopped, then the control plane and its
 * router — and waits until that is done. (A fleet of {@code kiln server} outlives its server by
 * design; {@code kiln down} does not touch it.)
 */
@Command(
    name = "down",
    mixinStandardHelpOptions = true,
    description = {
      "Stop the fleet that `kiln up --detach` runs in the background: drain, stop, exit.",
    })
public final class DownCommand implements Callable<Integer> {
  @Mixin HomeOption home;

  /** The background kiln up drains every instance first; this is far beyond a drain. */
  static final long WAIT_SECONDS = 120;

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Path h = home.home();
    Optional<ProcessHandle> up = UpDetached.running(h);
    if (up.isEmpty()) {
      UpDetached.removePid(h); // stale: its process is gone
      throw new KilnException(
          "no detached kiln up runs for "
              + h
              + " (started with `kiln up --detach`; a fleet of `kiln up` in the foreground stops"
              + " with Ctrl-C, one of `kiln server` outlives its server)");
    }
    ProcessHandle p = up.get();
    out.println("kiln down: stopping the fleet of " + h + " (pid " + p.pid() + "): drain, stop…");
    p.destroy(); // SIGTERM: its shutdown hook is the one Ctrl-C runs
    try {
      p.onExit().get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new KilnException(
          "the background kiln up (pid "
              + p.pid()
              + ") is still stopping after "
              + WAIT_SECONDS
              + " s; see "
              + UpDetached.logFile(h));
    }
    out.println("kiln down: stopped.");
    return 0;
  }
}
