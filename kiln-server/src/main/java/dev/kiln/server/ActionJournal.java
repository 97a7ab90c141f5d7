package dev.kiln.server;

import dev.kiln.controller.Action;

/**
 * One journal entry per planner action, appended before the action is performed: what a restarted
 * server needs to recognise its own work (the ids of instances it meant to start) and what an
 * auditor needs to read the fleet's history.
 */
final class ActionJournal {
  private ActionJournal() {}

  static void append(Recorder rec, ServerState state, String actor, Action a, String cause) {
    rec.append(actor, cause(a, cause), event(state, a));
  }

  /** The entries that record {@code actions}, each with its cause. */
  static java.util.List<Recorder.Pending> entries(
      ServerState state, String actor, String cause, java.util.List<Action> actions) {
    java.util.List<Recorder.Pending> out = new java.util.ArrayList<>();
    for (Action a : actions) out.add(new Recorder.Pending(actor, cause(a, cause), event(state, a)));
    return out;
  }

  /** The entry's cause: a stop says why in its own words too. */
  static String cause(Action a, String cause) {
    return switch (a) {
      case Action.StopInstance s -> cause + ": " + s.reason();
      case Action.RecordEvent s -> s.message();
      default -> cause;
    };
  }

  /** The event that records {@code a}; a start names the image its revision runs. */
  static JournalEvent event(ServerState state, Action a) {
    return switch (a) {
      case Action.StartInstances s ->
          new JournalEvent.InstanceStarting(
              s.service(),
              s.revision(),
              state.revision(s.service(), s.revision()).map(rv -> rv.image()),
              s.instanceIds());
      case Action.StopInstance s ->
          new JournalEvent.InstanceStopping(s.service(), s.instanceId(), s.reason(), s.drain());
      case Action.AdoptInstances s ->
          new JournalEvent.InstanceAdopted(
              s.service(), s.fromRevision(), s.toRevision(), s.instanceIds());
      case Action.SetTraffic s -> new JournalEvent.TrafficSet(s.service(), s.traffic());
      case Action.RecordEvent s -> new JournalEvent.Noted(s.service(), s.eventKind(), s.message());
    };
  }
}
