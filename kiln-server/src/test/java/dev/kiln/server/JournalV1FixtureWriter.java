package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.controller.Action;
import dev.kiln.controller.Condition;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RuntimeConfig;
import dev.kiln.controller.Traffic;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Journal;
import dev.kiln.model.Digest;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Route;
import dev.kiln.model.Strategy;
import dev.kiln.testkit.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes {@code journal-v1/state.db} with the v1 (pre-typed-journal) code: every kind the server
 * writes, with the bodies its call sites built (ActionJournal and StateCodec as they were, and the
 * hand-built bodies of Applier, Intents, Executor and ControlPlane copied verbatim). Run once with
 * {@code -Dkiln.writeJournalFixture=DIR}; the committed file is what {@link
 * JournalCompatibilityTest} replays.
 */
@EnabledIfSystemProperty(named = "kiln.writeJournalFixture", matches = ".+")
class JournalV1FixtureWriter {
  static final String A = "kiln-controller";
  static final Digest IMG_A = Digest.parse("sha256:" + "a".repeat(64));
  static final Digest IMG_B = Digest.parse("sha256:" + "b".repeat(64));
  static final Digest IMG_C = Digest.parse("sha256:" + "c".repeat(64));

  final MutableClock clock = new MutableClock(Instant.parse("2026-11-01T10:00:00Z"));
  Recorder rec;
  ServerState state;

  @Test
  void write() throws Exception {
    Path dir = Path.of(System.getProperty("kiln.writeJournalFixture"));
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve("state.db"));
    Path keys = Files.createTempDirectory("kiln-fixture-keys");
    HostKey key = HostKey.generate(keys);
    Files.copy(keys.resolve(HostKey.PUBLIC_FILE), dir.resolve(HostKey.PUBLIC_FILE));
    Journal journal = Journal.open(dir.resolve("state.db"), clock);
    state = new ServerState();
    rec = new Recorder(journal, state, key);

    // --- server started (ControlPlane.start) ---
    ObjectNode started = Json.object();
    started.putArray("adopted");
    started.put("api", "127.0.0.1:7878");
    started.put("router", "127.0.0.1:8080");
    started.put("hostKey", key.keyId());
    append(A, "server-started", "server", "control plane started", started);

    // --- Applier.digests / verify ---
    imageBaked("a", IMG_A);
    imageBaked("b", IMG_B);
    imageChecked("a", IMG_A, true, "signature valid");
    imageChecked("b", IMG_B, true, "signature valid");
    imageChecked("c", IMG_C, false, "no signature");

    Strategy rolling = new Strategy.Rolling(1, 0);
    Strategy canary =
        new Strategy.Canary(
            List.of(
                new Strategy.CanaryStep(20, Optional.of(Duration.ofSeconds(30))),
                new Strategy.CanaryStep(50, Optional.empty())),
            Optional.of(new Strategy.Analysis(0.05, Optional.of(Duration.ofMillis(250)), 20)));
    Strategy blueGreen =
        new Strategy.BlueGreen(Optional.of(Duration.ofMinutes(2)), Duration.ofSeconds(45));

    // --- first apply: web (rolling), api (canary), admin (blue-green), old (rolling) ---
    blueprintApplied(
        List.of(
            svc("web", "a", 3, rolling, Duration.ofMinutes(10)),
            svc("api", "a", 2, canary, Duration.ofMinutes(5)),
            svc("admin", "a", 2, blueGreen, Duration.ofMinutes(10)),
            svc("old", "a", 1, rolling, Duration.ofMinutes(10))));
    Revision web1 = revision("web", 1, IMG_A, httpConfig("process"));
    Revision api1 = revision("api", 1, IMG_A, execConfig("docker"));
    Revision admin1 = revision("admin", 1, IMG_A, tcpConfig());
    Revision old1 = revision("old", 1, IMG_A, tcpConfig());
    Rollout webR = create(web1, 3, rolling, Duration.ofMinutes(10));
    Rollout apiR = create(api1, 2, canary, Duration.ofMinutes(5));
    Rollout adminR = create(admin1, 2, blueGreen, Duration.ofMinutes(10));
    Rollout oldR = create(old1, 1, rolling, Duration.ofMinutes(10));

    // --- executor: starts, a failed start, traffic, success ---
    action(
        new Action.StartInstances("web", 1, List.of("web-1-aaaaaa", "web-1-bbbbbb")),
        "rollout web 0 -> 1 (PROGRESSING)");
    startFailed("web", 1, "web-1-cccccc", "runtime error: no free loopback port", "PT1S");
    action(
        new Action.StartInstances("web", 1, List.of("web-1-dddddd")),
        "rollout web 0 -> 1 (PROGRESSING)");
    action(new Action.SetTraffic("web", Traffic.all(1)), "rollout web 0 -> 1 (PROGRESSING)");
    action(
        new Action.RecordEvent("web", "rollout-succeeded", "revision 1 serves all traffic"),
        "rollout web 0 -> 1 (PROGRESSING)");
    webR =
        rolloutState(phase(webR, Rollout.Phase.SUCCEEDED, 0), "rollout web 0 -> 1 (PROGRESSING)");
    for (Rollout r : List.of(apiR, adminR, oldR)) {
      action(
          new Action.StartInstances(
              r.service(), 1, List.of(r.service() + "-1-aaaaaa", r.service() + "-1-bbbbbb")),
          "rollout");
      action(new Action.SetTraffic(r.service(), Traffic.all(1)), "rollout");
      rolloutState(phase(r, Rollout.Phase.SUCCEEDED, 0), "rollout");
    }
    apiR = state.rollout("api").orElseThrow();
    adminR = state.rollout("admin").orElseThrow();

    // --- healer: a crashed instance replaced ---
    action(
        new Action.StopInstance("web", "web-1-aaaaaa", "exited", false),
        "self-healing: keep the live revision at its replica count");
    action(
        new Action.RecordEvent(
            "web",
            "instance-replaced",
            "web-1-aaaaaa (revision 1) is EXITED after 0 failed checks; a new instance replaces it"),
        "self-healing");
    action(
        new Action.StartInstances("web", 1, List.of("web-1-eeeeee")),
        "self-healing: keep the live revision at its replica count");

    // --- second apply: web and api and admin to image b, old removed, web scaled on the way ---
    blueprintApplied(
        List.of(
            svc("web", "b", 3, rolling, Duration.ofMinutes(10)),
            svc("api", "b", 2, canary, Duration.ofMinutes(5)),
            svc("admin", "b", 4, blueGreen, Duration.ofMinutes(10))));
    Revision web2 = revision("web", 2, IMG_B, httpConfig("process"));
    Revision api2 = revision("api", 2, IMG_B, execConfig("docker"));
    Revision admin2 = revision("admin", 2, IMG_B, tcpConfig());
    webR = replace(webR, web2, 3, rolling, Duration.ofMinutes(10), Optional.empty());
    apiR = replace(apiR, api2, 2, canary, Duration.ofMinutes(5), Optional.empty());
    adminR = replace(adminR, admin2, 4, blueGreen, Duration.ofMinutes(10), Optional.empty());
    ObjectNode rm = Json.object();
    rm.put("revision", 1);
    append("alice", "service-removed", "old", "no longer in the blueprint", rm);
    action(
        new Action.StopInstance(
            "old", "old-1-aaaaaa", "orphan: service old is not in the applied blueprint", true),
        "orphan");

    // web: rolling, user pause and resume on the way
    action(
        new Action.StartInstances("web", 2, List.of("web-2-aaaaaa")),
        "rollout web 1 -> 2 (PROGRESSING)");
    webR = intent(webR.requestPause(), "pause");
    action(new Action.RecordEvent("web", "rollout-paused", "paused at step 0"), "rollout");
    webR = rolloutState(phase(webR, Rollout.Phase.PAUSED, 0), "rollout web 1 -> 2 (PROGRESSING)");
    webR = intent(webR.requestResume(), "resume");
    action(new Action.RecordEvent("web", "rollout-resumed", "resumed at step 0"), "rollout");
    webR = rolloutState(phase(webR, Rollout.Phase.PROGRESSING, 0), "rollout web 1 -> 2 (PAUSED)");
    action(
        new Action.SetTraffic("web", Traffic.split(1, 2, 34)), "rollout web 1 -> 2 (PROGRESSING)");
    action(
        new Action.StopInstance("web", "web-1-dddddd", "replaced by revision 2", true),
        "rollout web 1 -> 2 (PROGRESSING)");
    action(new Action.SetTraffic("web", Traffic.all(2)), "rollout web 1 -> 2 (PROGRESSING)");
    action(
        new Action.RecordEvent("web", "rollout-succeeded", "revision 2 serves all traffic"),
        "rollout");
    webR =
        rolloutState(phase(webR, Rollout.Phase.SUCCEEDED, 0), "rollout web 1 -> 2 (PROGRESSING)");

    // api: canary step, promote intent, then an image refused at start aborts it
    action(
        new Action.StartInstances("api", 2, List.of("api-2-aaaaaa")),
        "rollout api 1 -> 2 (PROGRESSING)");
    action(
        new Action.SetTraffic("api", Traffic.split(1, 2, 20)), "rollout api 1 -> 2 (PROGRESSING)");
    action(new Action.RecordEvent("api", "canary-step", "step 1/2: 20% to revision 2"), "rollout");
    apiR =
        rolloutState(phase(apiR, Rollout.Phase.PROGRESSING, 1), "rollout api 1 -> 2 (PROGRESSING)");
    apiR = intent(apiR.requestPromote(), "promote");
    ObjectNode refused = Json.object();
    refused.put("digest", IMG_B.toString());
    refused.put("reason", "signature does not verify");
    append(A, "image-refused", "image", "instance start: signature check failed", refused);
    startFailed("api", 2, "api-2-bbbbbb", "image refused", "PT2S");
    ObjectNode ab = Json.object();
    ab.set("rollout", StateCodec.rollout(apiR.requestAbort()));
    append(A, "rollout-intent", "api", "image refused: image refused", ab);
    apiR = state.rollout("api").orElseThrow();
    action(new Action.SetTraffic("api", Traffic.all(1)), "rollout api 1 -> 2 (PROGRESSING)");
    action(new Action.RecordEvent("api", "rollout-aborted", "aborted: image refused"), "rollout");
    apiR = rolloutState(phase(apiR, Rollout.Phase.ABORTED, 1), "rollout api 1 -> 2 (PROGRESSING)");

    // admin: blue-green preview, switch, scaling down; user abort intent recorded mid-way
    action(
        new Action.StartInstances("admin", 2, List.of("admin-2-aaaaaa", "admin-2-bbbbbb")),
        "rollout admin 1 -> 2 (PROGRESSING)");
    action(
        new Action.SetTraffic("admin", Traffic.all(1).withPreview(Traffic.Preview.of(2))),
        "rollout admin 1 -> 2 (PROGRESSING)");
    action(
        new Action.RecordEvent("admin", "preview-ready", "revision 2: 2 healthy instances"),
        "rollout");
    adminR =
        rolloutState(
            phase(adminR, Rollout.Phase.PROGRESSING, 1), "rollout admin 1 -> 2 (PROGRESSING)");
    action(new Action.SetTraffic("admin", Traffic.all(2)), "rollout admin 1 -> 2 (PROGRESSING)");
    action(
        new Action.RecordEvent(
            "admin", "traffic-switched", "all traffic to revision 2 (auto-promote)"),
        "rollout");
    adminR =
        rolloutState(
            switched(phase(adminR, Rollout.Phase.SCALING_DOWN, 1)),
            "rollout admin 1 -> 2 (PROGRESSING)");

    // scale (Applier: rollout-state through StateCodec.withReplicas)
    blueprintApplied(
        List.of(
            svc("web", "b", 5, rolling, Duration.ofMinutes(10)),
            svc("api", "b", 2, canary, Duration.ofMinutes(5)),
            svc("admin", "b", 4, blueGreen, Duration.ofMinutes(10))));
    Rollout scaled = StateCodec.withReplicas(webR, 5);
    ObjectNode sb = Json.object();
    sb.set("rollout", StateCodec.rollout(scaled));
    append("alice", "rollout-state", "web", "scale 3 -> 5", sb);
    webR = scaled;

    // rollback of web to a warm fleet (Intents.rollback, swap)
    ObjectNode rb = Json.object();
    rb.put("from", 2);
    rb.put("to", 3);
    rb.put("contentOf", "previous");
    rb.put("mode", "swap");
    append("bob", "rollback", "web", "rollback requested (swap)", rb);
    Revision web3 = revision("web", 3, IMG_A, httpConfig("process"), "rollback", "bob");
    action(
        new Action.RecordEvent(
            "web",
            "rollback",
            "rollback to revision 1's content: the warm fleet takes over in one swap"),
        "rollback to a warm fleet");
    action(
        new Action.AdoptInstances("web", 1, 3, List.of("web-1-bbbbbb", "web-1-eeeeee")),
        "rollback to a warm fleet");
    action(new Action.SetTraffic("web", Traffic.all(3)), "rollback to a warm fleet");
    Rollout back =
        Rollout.start(
            "web",
            2,
            3,
            5,
            new Strategy.BlueGreen(Optional.empty(), Duration.ofMinutes(10)),
            Duration.ofMinutes(10),
            true,
            clock.instant());
    back =
        new Rollout(
            back.service(),
            back.from(),
            back.to(),
            back.replicas(),
            back.strategy(),
            back.progressDeadline(),
            true,
            Rollout.Phase.SCALING_DOWN,
            1,
            Optional.of(clock.instant()),
            back.lastProgressAt(),
            back.progressMark(),
            false,
            Optional.of(clock.instant()),
            Rollout.Intent.NONE,
            List.of(
                new Condition(
                    Condition.PROGRESSING,
                    true,
                    "RollbackToWarmFleet",
                    "rollback to revision 1's content",
                    clock.instant())));
    ObjectNode ro = Json.object();
    ro.set("rollout", StateCodec.rollout(back));
    append("bob", "rollout-started", "web", "rollback: revision 2 -> 3", ro);

    // a superseding apply (rollout-started with supersedes) for admin, then an abort intent
    blueprintApplied(
        List.of(
            svc("web", "b", 5, rolling, Duration.ofMinutes(10)),
            svc("api", "b", 2, canary, Duration.ofMinutes(5)),
            svc("admin", "c", 4, blueGreen, Duration.ofMinutes(10))));
    Revision admin3 = revision("admin", 3, IMG_C, tcpConfig());
    adminR = replace(adminR, admin3, 4, blueGreen, Duration.ofMinutes(10), Optional.of(2));
    adminR = intent(adminR.requestAbort(), "abort");

    // kiln up stopped (ControlPlane.stopFleet)
    ObjectNode stop = Json.object();
    stop.put("service", "web");
    stop.put("instance", "web-2-aaaaaa");
    stop.put("reason", "kiln up stopped");
    stop.put("drain", true);
    append("alice", "instance-stopping", "web", "kiln up stopped (Ctrl-C)", stop);

    rec.checkpoint();
    journal.close();
  }

  // --- the bodies of today's call sites ---

  void append(String actor, String kind, String subject, String cause, ObjectNode body) {
    clock.advance(Duration.ofSeconds(1));
    rec.append(actor, kind, subject, cause, body);
  }

  void action(Action a, String cause) {
    clock.advance(Duration.ofSeconds(1));
    ActionJournal.append(rec, state, A, a, cause);
  }

  void imageBaked(String name, Digest d) {
    ObjectNode body = Json.object();
    body.put("image", name);
    body.put("digest", d.toString());
    body.put("blueprint", "/srv/project/kiln.yaml");
    append("alice", "image-baked", name, "apply: image not baked yet", body);
  }

  void imageChecked(String name, Digest d, boolean valid, String reason) {
    ObjectNode body = Json.object();
    body.put("image", name);
    body.put("digest", d.toString());
    body.put("valid", valid);
    body.put("reason", reason);
    if (valid) body.put("keyId", "0123456789abcdef");
    if (valid) append("alice", "image-verified", name, "apply: signature checked", body);
    else append("alice", "image-refused", name, "apply: signature check failed", body);
  }

  record Svc(String name, String image, int replicas, Strategy strategy, Duration deadline) {}

  static Svc svc(String name, String image, int replicas, Strategy strategy, Duration deadline) {
    return new Svc(name, image, replicas, strategy, deadline);
  }

  void blueprintApplied(List<Svc> svcs) {
    ObjectNode body = Json.object();
    body.put("file", "/srv/project/kiln.yaml");
    body.put("digest", "sha256:" + "d".repeat(64));
    body.put("commit", "0123456789012345678901234567890123456789");
    ObjectNode images = body.putObject("images");
    images.put("a", IMG_A.toString());
    images.put("b", IMG_B.toString());
    ObjectNode services = body.putObject("services");
    for (Svc s : svcs) {
      ObjectNode sn = services.putObject(s.name());
      sn.put("image", s.image());
      sn.put("replicas", s.replicas());
      sn.set("strategy", StateCodec.strategy(s.strategy()));
      sn.put("progressDeadline", s.deadline().toString());
    }
    body.put("hasChanges", true);
    append("alice", "blueprint-applied", "blueprint", "apply kiln.yaml", body);
  }

  Revision revision(String service, int n, Digest image, RuntimeConfig config) {
    return revision(service, n, image, config, "apply", "alice");
  }

  Revision revision(
      String service, int n, Digest image, RuntimeConfig config, String cause, String actor) {
    Revision r = new Revision(service, n, image, config);
    ObjectNode b = Json.object();
    b.set("revision", StateCodec.revision(r));
    b.put("cause", cause);
    append(actor, "revision-created", service, cause + ": [image] changed", b);
    return r;
  }

  Rollout create(Revision r, int replicas, Strategy s, Duration deadline) {
    Rollout rollout =
        Rollout.start(r.service(), 0, r.number(), replicas, s, deadline, false, clock.instant());
    ObjectNode rb = Json.object();
    rb.set("rollout", StateCodec.rollout(rollout));
    append("alice", "rollout-started", r.service(), "apply: revision 0 -> " + r.number(), rb);
    return rollout;
  }

  Rollout replace(
      Rollout running,
      Revision r,
      int replicas,
      Strategy s,
      Duration deadline,
      Optional<Integer> supersedes) {
    Rollout rollout = running.supersededBy(r.number(), replicas, s, deadline, clock.instant());
    ObjectNode rb = Json.object();
    rb.set("rollout", StateCodec.rollout(rollout));
    supersedes.ifPresent(x -> rb.put("supersedes", x));
    append(
        "alice",
        "rollout-started",
        r.service(),
        "apply: revision " + rollout.from() + " -> " + rollout.to(),
        rb);
    return rollout;
  }

  Rollout intent(Rollout next, String verb) {
    ObjectNode body = Json.object();
    body.put("request", verb);
    body.set("rollout", StateCodec.rollout(next));
    append("carol", "rollout-intent", next.service(), verb + " requested", body);
    return next;
  }

  Rollout rolloutState(Rollout next, String cause) {
    ObjectNode body = Json.object();
    body.set("rollout", StateCodec.rollout(next));
    append(A, "rollout-state", next.service(), cause, body);
    return next;
  }

  void startFailed(String service, int revision, String id, String error, String retryIn) {
    ObjectNode body = Json.object();
    body.put("service", service);
    body.put("revision", revision);
    body.put("instance", id);
    body.put("error", error);
    body.put("retryIn", retryIn);
    append(A, "instance-failed", service, "start failed: " + error, body);
  }

  Rollout phase(Rollout r, Rollout.Phase p, int step) {
    Instant now = clock.instant();
    List<Condition> conditions =
        p == Rollout.Phase.SUCCEEDED
            ? List.of(
                new Condition(
                    Condition.COMPLETED, true, "RolloutCompleted", "revision " + r.to(), now))
            : p == Rollout.Phase.ABORTED
                ? List.of(
                    new Condition(Condition.ABORTED, true, "ImageRefused", "image refused", now))
                : p == Rollout.Phase.PAUSED
                    ? List.of(
                        new Condition(
                            Condition.PAUSED, true, "UserPaused", "paused at step " + step, now))
                    : r.conditions();
    return new Rollout(
        r.service(),
        r.from(),
        r.to(),
        r.replicas(),
        r.strategy(),
        r.progressDeadline(),
        r.fastTrack(),
        p,
        step,
        step > 0 ? Optional.of(now) : Optional.empty(),
        now,
        step * 100_000 + 1,
        p == Rollout.Phase.PAUSED,
        r.switchedAt(),
        r.intent(),
        conditions);
  }

  static Rollout switched(Rollout r) {
    return new Rollout(
        r.service(),
        r.from(),
        r.to(),
        r.replicas(),
        r.strategy(),
        r.progressDeadline(),
        r.fastTrack(),
        r.phase(),
        r.step(),
        r.stepStartedAt(),
        r.lastProgressAt(),
        r.progressMark(),
        r.waitingOnPurpose(),
        Optional.of(r.lastProgressAt()),
        r.intent(),
        r.conditions());
  }

  static RuntimeConfig httpConfig(String runtime) {
    TreeMap<String, String> env = new TreeMap<>();
    env.put("GREETING", "hello");
    TreeMap<String, String> volumes = new TreeMap<>();
    volumes.put("data", "/var/data");
    return new RuntimeConfig(
        env,
        List.of("db-password"),
        volumes,
        Optional.of(
            new HealthCheck(
                new HealthCheck.Probe.Http("/health", 200),
                Duration.ofMillis(500),
                Duration.ofSeconds(1),
                2,
                3,
                Duration.ofSeconds(60))),
        Optional.of(new Route("*", "/")),
        runtime);
  }

  static RuntimeConfig execConfig(String runtime) {
    return new RuntimeConfig(
        new TreeMap<>(),
        List.of(),
        new TreeMap<>(),
        Optional.of(
            new HealthCheck(
                new HealthCheck.Probe.Exec(List.of("/bin/check", "--quick")),
                Duration.ofSeconds(1),
                Duration.ofSeconds(2),
                1,
                5,
                Duration.ofSeconds(30))),
        Optional.of(new Route("api.example.com", "/v1")),
        runtime);
  }

  static RuntimeConfig tcpConfig() {
    return new RuntimeConfig(
        new TreeMap<>(),
        List.of(),
        new TreeMap<>(),
        Optional.of(
            new HealthCheck(
                new HealthCheck.Probe.Tcp(),
                Duration.ofSeconds(1),
                Duration.ofSeconds(1),
                1,
                1,
                Duration.ofSeconds(60))),
        Optional.empty(),
        "process");
  }

  @SuppressWarnings("unused")
  private static ArrayNode unused() {
    return Json.array();
  }
}
