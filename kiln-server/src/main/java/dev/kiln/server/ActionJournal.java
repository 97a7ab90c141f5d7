package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.controller.Action;

/**
 * One journal entry per planner action, appended before the action is performed: what a restarted
 * server needs to recognise its own work (the ids of instances it meant to start) and what an
 * auditor needs to read the fleet's history.
 */
final class ActionJournal {
  private ActionJournal() {}

  static void append(Recorder rec, ServerState state, String actor, Action a, String cause) {
    ObjectNode body = Json.object();
    body.put("service", a.service());
    switch (a) {
      case Action.StartInstances s -> {
        body.put("revision", s.revision());
        state
            .revision(s.service(), s.revision())
            .ifPresent(rv -> body.put("image", rv.image().toString()));
        ArrayNode ids = body.putArray("instances");
        s.instanceIds().forEach(ids::add);
        rec.append(actor, "instance-starting", a.service(), cause, body);
      }
      case Action.StopInstance s -> {
        body.put("instance", s.instanceId());
        body.put("reason", s.reason());
        body.put("drain", s.drain());
        rec.append(actor, "instance-stopping", a.service(), cause + ": " + s.reason(), body);
      }
      case Action.AdoptInstances s -> {
        body.put("fromRevision", s.fromRevision());
        body.put("toRevision", s.toRevision());
        ArrayNode ids = body.putArray("instances");
        s.instanceIds().forEach(ids::add);
        rec.append(actor, "instance-adopted", a.service(), cause, body);
      }
      case Action.SetTraffic s -> {
        body.set("traffic", StateCodec.traffic(s.traffic()));
        rec.append(actor, "traffic-set", a.service(), cause, body);
      }
      case Action.RecordEvent s -> {
        body.put("message", s.message());
        rec.append(actor, s.kind(), a.service(), s.message(), body);
      }
    }
  }
}
