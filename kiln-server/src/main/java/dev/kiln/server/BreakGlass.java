package dev.kiln.server;

import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.InstanceId;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;

/**
 * {@code kiln exec INSTANCE -- CMD…}, the one way into a running instance, without breaking
 * immutability: the instance leaves the route before the command starts, is journaled as tainted
 * with the actor ({@code instance-drifted}, surface {@code exec}, response {@code report}: nothing
 * is stopped while the command runs), and when the command ends a {@code replace} verdict is
 * journaled, so the drift step replaces it with a new instance of the same revision.
 */
final class BreakGlass {
  static final Duration TIMEOUT = Duration.ofMinutes(10);

  private final ServerState state;
  private final Recorder rec;
  private final Executor executor;
  private final Fleet fleet;

  BreakGlass(ServerState state, Recorder rec, Executor executor, Fleet fleet) {
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.fleet = fleet;
  }

  record Done(String instance, int exitCode, String output) {}

  Done exec(String instance, List<String> command, String actor) {
    if (command.isEmpty()) {
      throw new ServerException.Conflict("kiln exec needs a command: kiln exec INSTANCE -- CMD...");
    }
    Executor.Observed o =
        executor.call(
            () -> {
              Executor.Observed found =
                  executor.observed().stream()
                      .filter(x -> x.instance().id().equals(instance) && !executor.isLeaving(x))
                      .findFirst()
                      .orElseThrow(
                          () ->
                              new ServerException.NotFound(
                                  "no running instance "
                                      + instance
                                      + "; see `kiln status SERVICE` for instance ids"));
              executor.taint(instance); // out of the route before the command starts
              journal(
                  found,
                  actor,
                  command,
                  "report",
                  "kiln exec by " + actor + ": tainted, out of the route");
              return found;
            });
    ExecResult r;
    try {
      r = fleet.driver(o.running().runtime()).exec(InstanceId.of(instance), command, TIMEOUT);
    } finally {
      executor.call(
          () -> {
            journal(o, actor, command, "replace", "kiln exec by " + actor + " ended: replaced");
            return null;
          });
      executor.wake();
    }
    return new Done(instance, r.exitCode(), r.output());
  }

  private void journal(
      Executor.Observed o, String actor, List<String> command, String response, String reason) {
    TreeMap<String, String> evidence = new TreeMap<>();
    evidence.put("actor", actor);
    evidence.put("program", command.getFirst()); // arguments may carry secrets: the program only
    rec.append(
        actor,
        reason,
        new JournalEvent.InstanceDrifted(
            o.instance().service(),
            o.instance().revision(),
            o.instance().id(),
            "exec",
            "kiln exec " + command.getFirst(),
            evidence,
            response,
            reason));
  }
}
