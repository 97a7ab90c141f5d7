package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.controller.Change;
import dev.kiln.controller.LiveService;
import dev.kiln.controller.Plan;
import dev.kiln.controller.Revision;
import dev.kiln.controller.RevisionPlanner;
import dev.kiln.controller.Rollout;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Verification;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Digest;
import dev.kiln.model.ServiceSpec;
import dev.kiln.runtime.HostCapacity;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code kiln plan} and {@code kiln apply}: parse the blueprint, find (or bake) its images, check
 * their signatures, compute the plan against the journal's state, and record what applying it does
 * — blueprint applied, revisions created, rollouts started — before the executor acts on it.
 */
final class Applier {
  /** What applying did: the plan, and the rollouts it started or changed. */
  record Applied(Plan plan, Blueprint blueprint, List<Rollout> rollouts) {}

  private final ServerState state;
  private final Recorder rec;
  private final Executor executor;
  private final ImageStore store;
  private final HostKey key;
  private final Path home;
  private final Secrets secrets;
  private final Clock clock;

  Applier(
      ServerState state,
      Recorder rec,
      Executor executor,
      ImageStore store,
      HostKey key,
      Path home,
      Secrets secrets,
      Clock clock) {
    this.state = state;
    this.rec = rec;
    this.executor = executor;
    this.store = store;
    this.key = key;
    this.home = home;
    this.secrets = secrets;
    this.clock = clock;
  }

  /** The plan, without recording anything. */
  Applied plan(Submission submission) {
    Blueprint bp = BlueprintParser.parse(submission.label(), submission.content());
    HostLimits.check(bp, HostCapacity.ofThisHost());
    Map<String, Digest> digests = digests(bp, submission);
    return executor.call(() -> new Applied(plan(bp, digests), bp, List.of()));
  }

  Applied apply(Submission submission, String actor) {
    Blueprint bp = BlueprintParser.parse(submission.label(), submission.content());
    HostLimits.check(bp, HostCapacity.ofThisHost());
    Map<String, Digest> digests = digests(bp, submission);
    verify(digests, actor);
    for (ServiceSpec s : bp.services().values()) secrets.values(s.name(), s.secrets());
    Applied applied = executor.call(() -> record(bp, submission, digests, actor));
    executor.wake();
    return applied;
  }

  /**
   * The digest of every image a service uses: as the client sent it (it bakes where the blueprint's
   * files are), else the store's tag. The server bakes nothing: that would read files a client
   * names.
   */
  private Map<String, Digest> digests(Blueprint bp, Submission submission) {
    TreeSet<String> used = new TreeSet<>();
    bp.services().values().forEach(s -> used.add(s.image()));
    Map<String, Digest> out = new TreeMap<>();
    List<String> missing = new ArrayList<>();
    for (String name : used) {
      Digest given = submission.images().get(name);
      if (given != null) out.put(name, given);
      else
        store
            .resolve(name)
            .ifPresentOrElse(d -> out.put(name, d.digest()), () -> missing.add(name));
    }
    if (!missing.isEmpty()) {
      throw new ServerException(
          409,
          "image(s) "
              + missing
              + " not baked yet; run `kiln bake -f "
              + bp.file()
              + "` (`kiln apply` and `kiln plan` bake them where the blueprint is)");
    }
    return out;
  }

  /**
   * Only images signed by this host's key are deployed; a refusal is journaled and fails the apply.
   */
  private void verify(Map<String, Digest> digests, String actor) {
    for (var e : digests.entrySet()) {
      Verification v = ImageSigner.verify(store, e.getValue(), key.publicKey());
      ObjectNode body = Json.object();
      body.put("image", e.getKey());
      body.put("digest", e.getValue().toString());
      body.put("valid", v.valid());
      body.put("reason", v.reason());
      v.keyId().ifPresent(k -> body.put("keyId", k));
      if (!v.valid()) {
        rec.append(actor, "image-refused", e.getKey(), "apply: signature check failed", body);
        throw new ServerException(
            409,
            "image "
                + e.getKey()
                + " ("
                + e.getValue()
                + ") refused: "
                + v.reason()
                + "; only images signed by this host's key ("
                + key.keyId()
                + ") are deployed; re-bake it with `kiln bake`");
      }
      rec.append(actor, "image-verified", e.getKey(), "apply: signature checked", body);
    }
  }

  /** Runs on the executor thread: the plan against the state, then one entry per decision. */
  private Applied record(
      Blueprint bp, Submission submission, Map<String, Digest> digests, String actor) {
    Plan plan = plan(bp, digests);
    Instant now = clock.instant();
    ObjectNode body = Json.object();
    body.put("file", bp.file().toString());
    body.put("digest", bp.digest().toString());
    submission.commit().ifPresent(c -> body.put("commit", c));
    ObjectNode images = body.putObject("images");
    digests.forEach((k, v) -> images.put(k, v.toString()));
    ObjectNode services = body.putObject("services");
    for (ServiceSpec s : bp.services().values()) {
      ObjectNode sn = services.putObject(s.name());
      sn.put("image", s.image());
      sn.put("replicas", s.replicas());
      sn.set("strategy", StateCodec.strategy(s.strategy()));
      sn.put("progressDeadline", s.progressDeadline().toString());
    }
    body.put("hasChanges", !plan.isEmpty());
    rec.append(actor, "blueprint-applied", "blueprint", "apply " + bp.file().getFileName(), body);
    List<Rollout> rollouts = new ArrayList<>();
    for (Change c : plan.changes()) {
      ServiceSpec spec = bp.services().get(c.service());
      switch (c) {
        case Change.Create cr -> rollouts.add(startRollout(cr.revision(), c, spec, actor, now));
        case Change.Replace r -> rollouts.add(startRollout(r.to(), c, spec, actor, now));
        case Change.Scale s ->
            state
                .rollout(s.service())
                .ifPresent(
                    r -> {
                      Rollout scaled = StateCodec.withReplicas(r, s.to());
                      ObjectNode b = Json.object();
                      b.set("rollout", StateCodec.rollout(scaled));
                      rec.append(
                          actor,
                          "rollout-state",
                          s.service(),
                          "scale " + s.from() + " -> " + s.to(),
                          b);
                      rollouts.add(scaled);
                    });
        case Change.Remove rm -> {
          ObjectNode b = Json.object();
          b.put("revision", rm.revision().number());
          rec.append(actor, "service-removed", rm.service(), "no longer in the blueprint", b);
        }
        case Change.NoChange n -> {}
      }
    }
    return new Applied(plan, bp, rollouts);
  }

  private Rollout startRollout(
      Revision revision, Change c, ServiceSpec spec, String actor, Instant now) {
    ObjectNode b = Json.object();
    b.set("revision", StateCodec.revision(revision));
    b.put("cause", "apply");
    rec.append(actor, "revision-created", revision.service(), "apply: " + describe(c), b);
    Optional<Rollout> running = state.rollout(spec.name()).filter(r -> !r.phase().isTerminal());
    Rollout rollout =
        running
            .map(
                r ->
                    r.supersededBy(
                        revision.number(),
                        spec.replicas(),
                        spec.strategy(),
                        spec.progressDeadline(),
                        now))
            .orElseGet(() -> Rollout.forChange(c, spec, now).orElseThrow());
    ObjectNode rb = Json.object();
    rb.set("rollout", StateCodec.rollout(rollout));
    running.ifPresent(r -> rb.put("supersedes", r.to()));
    rec.append(
        actor,
        "rollout-started",
        spec.name(),
        "apply: revision " + rollout.from() + " -> " + rollout.to(),
        rb);
    return rollout;
  }

  private static String describe(Change c) {
    return switch (c) {
      case Change.Replace r ->
          r.fields().stream().map(Change.FieldChange::field).toList() + " changed";
      case Change.Create cr -> "new service";
      default -> c.getClass().getSimpleName();
    };
  }

  /**
   * RevisionPlanner's plan, with new revisions numbered after every revision the service ever had.
   */
  Plan plan(Blueprint bp, Map<String, Digest> digests) {
    Map<String, LiveService> live = new TreeMap<>();
    for (String svc : state.services().keySet()) {
      state
          .desiredRevision(svc)
          .flatMap(n -> state.revision(svc, n))
          .ifPresent(
              r -> live.put(svc, new LiveService(r, state.service(svc).orElseThrow().replicas())));
    }
    Plan raw = RevisionPlanner.plan(bp.services(), digests, live);
    List<Change> changes = new ArrayList<>();
    for (Change c : raw.changes()) {
      int next = state.maxRevision(c.service()) + 1;
      changes.add(
          switch (c) {
            case Change.Create cr ->
                new Change.Create(cr.revision().renumbered(next), cr.replicas());
            case Change.Replace r ->
                new Change.Replace(
                    r.from(),
                    r.to().renumbered(next),
                    r.fields(),
                    r.fromReplicas(),
                    r.toReplicas());
            default -> c;
          });
    }
    return new Plan(changes);
  }
}
