package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.journal.Entry;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the control plane knows, rebuilt from the journal alone: every state change is an entry, and
 * {@link #apply(Entry)} is the only way this object changes. On start the server replays every
 * entry; while it runs, each appended entry is applied right after it is durable. Entries of kinds
 * that carry no state (instance starts, events) pass through unchanged.
 *
 * <p>Not thread-safe: owned by the executor's single thread.
 */
public final class ServerState {
  /** How a service is to be rolled out and scaled, as the last applied blueprint said. */
  public record ServiceInfo(
      String name, int replicas, Strategy strategy, Duration progressDeadline) {}

  private final Map<String, ServiceInfo> services = new TreeMap<>();
  private final Map<String, List<Revision>> revisions = new TreeMap<>();
  private final Map<String, Rollout> rollouts = new TreeMap<>();
  private final Map<String, Instant> rolloutStartedAt = new HashMap<>();
  private final Map<String, Traffic> traffic = new TreeMap<>();
  private final Map<String, Integer> adopted = new HashMap<>();
  private final Map<String, RevisionMeta> revisionMeta = new HashMap<>();
  private long lastSeq;

  /** When, by whom and why a revision was created. */
  public record RevisionMeta(Instant createdAt, String actor, String cause) {}

  public void apply(Entry e) {
    lastSeq = e.seq();
    JsonNode body = Json.parse(e.body());
    switch (e.kind()) {
      case "blueprint-applied" -> {
        JsonNode svcs = body.get("services");
        if (svcs == null) return;
        svcs.fields()
            .forEachRemaining(
                f -> {
                  JsonNode s = f.getValue();
                  services.put(
                      f.getKey(),
                      new ServiceInfo(
                          f.getKey(),
                          s.get("replicas").asInt(),
                          StateCodec.strategy(s.get("strategy")),
                          Duration.parse(s.get("progressDeadline").asText())));
                });
      }
      case "revision-created" -> {
        Revision r = StateCodec.revision(body.get("revision"));
        List<Revision> list = revisions.computeIfAbsent(r.service(), k -> new ArrayList<>());
        list.removeIf(x -> x.number() == r.number());
        list.add(r);
        list.sort(Comparator.comparingInt(Revision::number));
        revisionMeta.put(
            r.service() + "@" + r.number(),
            new RevisionMeta(e.time(), e.actor(), body.path("cause").asText("apply")));
      }
      case "rollout-started" -> {
        Rollout r = StateCodec.rollout(body.get("rollout"));
        rollouts.put(r.service(), r);
        rolloutStartedAt.put(r.service(), e.time());
      }
      case "rollout-state", "rollout-intent" -> {
        Rollout r = StateCodec.rollout(body.get("rollout"));
        rollouts.put(r.service(), r);
      }
      case "traffic-set" -> traffic.put(e.subject(), StateCodec.traffic(body.get("traffic")));
      case "instance-adopted" -> {
        int to = body.get("toRevision").asInt();
        body.get("instances").forEach(id -> adopted.put(id.asText(), to));
      }
      case "service-removed" -> {
        services.remove(e.subject());
        rollouts.remove(e.subject());
        traffic.remove(e.subject());
      }
      default -> {}
    }
  }

  public long lastSeq() {
    return lastSeq;
  }

  public Map<String, ServiceInfo> services() {
    return services;
  }

  public Optional<ServiceInfo> service(String name) {
    return Optional.ofNullable(services.get(name));
  }

  public List<Revision> revisions(String service) {
    return List.copyOf(revisions.getOrDefault(service, List.of()));
  }

  public Optional<Revision> revision(String service, int number) {
    return revisions(service).stream().filter(r -> r.number() == number).findFirst();
  }

  public RevisionMeta meta(Revision r) {
    return revisionMeta.getOrDefault(
        r.service() + "@" + r.number(), new RevisionMeta(Instant.EPOCH, "?", "apply"));
  }

  public int maxRevision(String service) {
    return revisions(service).stream().mapToInt(Revision::number).max().orElse(0);
  }

  public Optional<Rollout> rollout(String service) {
    return Optional.ofNullable(rollouts.get(service));
  }

  public Optional<Instant> rolloutStartedAt(String service) {
    return Optional.ofNullable(rolloutStartedAt.get(service));
  }

  public Traffic traffic(String service) {
    return traffic.getOrDefault(service, Traffic.NONE);
  }

  public Map<String, Traffic> traffic() {
    return traffic;
  }

  /** The revision an instance now serves: its label, unless a rollback swap adopted it. */
  public int revisionOf(String instanceId, int labelled) {
    return adopted.getOrDefault(instanceId, labelled);
  }

  /** The revision that serves the service when nothing is moving: the rollout's last good one. */
  public Optional<Integer> liveRevision(String service) {
    return rollout(service).map(Rollout::lastGood).filter(n -> n > 0);
  }

  /**
   * The revision a new apply compares the blueprint with: the rollout's target unless it was
   * aborted (then the last good one), so re-applying the same blueprint during a rollout is no
   * change, and after an abort is a retry.
   */
  public Optional<Integer> desiredRevision(String service) {
    return rollout(service)
        .map(r -> r.phase() == Rollout.Phase.ABORTED ? r.from() : r.to())
        .filter(n -> n > 0);
  }
}
