package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.journal.Entry;
import dev.kiln.model.Digest;
import dev.kiln.server.JournalEvent.AppliedService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The one JSON form of {@link JournalEvent}s. Fields are written in a fixed order (the journal then
 * canonicalises the body before hashing it) and every body starts with {@code "v": 2}, the on-disk
 * format version. Bodies without {@code v} are version 1, written before events were typed; they
 * have the same fields, except that v1 wrote an image refused at instance start without its name, a
 * user's rollback request and the planner's rollback line under the same kind, and an image-refusal
 * abort without a request. Both versions decode to the same records.
 */
public final class EventCodec {
  /** The version this codec writes. */
  public static final int VERSION = 2;

  private EventCodec() {}

  public static ObjectNode encode(JournalEvent event) {
    ObjectNode n = Json.object();
    n.put("v", VERSION);
    switch (event) {
      case JournalEvent.ServerStarted e -> {
        ArrayNode a = n.putArray("adopted");
        e.adopted().forEach(a::add);
        n.put("api", e.api());
        n.put("router", e.router());
        n.put("hostKey", e.hostKey());
      }
      case JournalEvent.ImageBaked e -> {
        n.put("image", e.image());
        n.put("digest", e.digest().toString());
        n.put("blueprint", e.blueprint());
      }
      case JournalEvent.ImageVerified e -> {
        n.put("image", e.image());
        n.put("digest", e.digest().toString());
        n.put("valid", true);
        n.put("reason", e.reason());
        e.keyId().ifPresent(k -> n.put("keyId", k));
      }
      case JournalEvent.ImageRefused e -> {
        e.image().ifPresent(i -> n.put("image", i));
        n.put("digest", e.digest().toString());
        n.put("valid", false);
        n.put("reason", e.reason());
        e.keyId().ifPresent(k -> n.put("keyId", k));
      }
      case JournalEvent.BlueprintApplied e -> {
        n.put("file", e.file());
        n.put("digest", e.digest().toString());
        e.commit().ifPresent(c -> n.put("commit", c));
        ObjectNode images = n.putObject("images");
        e.images().forEach((k, v) -> images.put(k, v.toString()));
        ObjectNode services = n.putObject("services");
        e.services()
            .forEach(
                (name, s) -> {
                  ObjectNode sn = services.putObject(name);
                  sn.put("image", s.image());
                  sn.put("replicas", s.replicas());
                  sn.set("strategy", StateCodec.strategy(s.strategy()));
                  sn.put("progressDeadline", s.progressDeadline().toString());
                  s.autoscale().ifPresent(a -> sn.set("autoscale", autoscale(a)));
                  if (!s.drift().equals(dev.kiln.model.DriftPolicy.DEFAULT))
                    sn.set("drift", drift(s.drift()));
                });
        n.put("hasChanges", e.hasChanges());
      }
      case JournalEvent.RevisionCreated e -> {
        n.set("revision", StateCodec.revision(e.revision()));
        n.put("cause", e.cause());
      }
      case JournalEvent.RolloutStarted e -> {
        n.set("rollout", StateCodec.rollout(e.rollout()));
        e.supersedes().ifPresent(s -> n.put("supersedes", s));
      }
      case JournalEvent.RolloutState e -> n.set("rollout", StateCodec.rollout(e.rollout()));
      case JournalEvent.RolloutIntent e -> {
        e.request().ifPresent(r -> n.put("request", r));
        n.set("rollout", StateCodec.rollout(e.rollout()));
      }
      case JournalEvent.TrafficSet e -> {
        n.put("service", e.service());
        n.set("traffic", StateCodec.traffic(e.traffic()));
      }
      case JournalEvent.InstanceStarting e -> {
        n.put("service", e.service());
        n.put("revision", e.revision());
        e.image().ifPresent(i -> n.put("image", i.toString()));
        ArrayNode ids = n.putArray("instances");
        e.instances().forEach(ids::add);
      }
      case JournalEvent.InstanceStopping e -> {
        n.put("service", e.service());
        n.put("instance", e.instance());
        n.put("reason", e.reason());
        n.put("drain", e.drain());
      }
      case JournalEvent.InstanceAdopted e -> {
        n.put("service", e.service());
        n.put("fromRevision", e.fromRevision());
        n.put("toRevision", e.toRevision());
        ArrayNode ids = n.putArray("instances");
        e.instances().forEach(ids::add);
      }
      case JournalEvent.ServiceScaled e -> {
        n.put("service", e.service());
        n.put("from", e.from());
        n.put("to", e.to());
        ObjectNode per = n.putObject("perRevision");
        e.perRevision().forEach((k, v) -> per.put(Integer.toString(k), v));
        n.put("rule", e.rule());
        ObjectNode in = n.putObject("inputs");
        e.inputs().forEach(in::put);
      }
      case JournalEvent.InstanceFailed e -> {
        n.put("service", e.service());
        n.put("revision", e.revision());
        n.put("instance", e.instance());
        n.put("error", e.error());
        n.put("retryIn", e.retryIn().toString());
      }
      case JournalEvent.InstanceLimitExceeded e -> {
        n.put("instance", e.instance());
        n.put("revision", e.revision());
        n.put("reason", e.reason());
        n.put("limit", e.limit());
        e.limitBytes().ifPresent(v -> n.put("limitBytes", v));
        e.peakBytes().ifPresent(v -> n.put("peakBytes", v));
        e.refusedForks().ifPresent(v -> n.put("refusedForks", v));
        e.exitCode().ifPresent(v -> n.put("exitCode", v));
      }
      case JournalEvent.InstanceMoved e -> {
        n.put("revision", e.revision());
        n.put("instance", e.instance());
        n.put("fromNode", e.fromNode());
        n.put("replacement", e.replacement());
        n.put("toNode", e.toNode());
        n.put("reason", e.reason());
      }
      case JournalEvent.InstanceDrifted e -> {
        n.put("revision", e.revision());
        n.put("instance", e.instance());
        n.put("surface", e.surface());
        n.put("what", e.what());
        ObjectNode evidence = n.putObject("evidence");
        e.evidence().forEach(evidence::put);
        n.put("response", e.response());
        n.put("reason", e.reason());
      }
      case JournalEvent.ServiceRemoved e -> n.put("revision", e.revision());
      case JournalEvent.RollbackRequested e -> {
        n.put("from", e.from());
        n.put("to", e.to());
        n.put("contentOf", e.contentOf());
        n.put("mode", e.mode());
      }
      case JournalEvent.Noted e -> {
        n.put("service", e.service());
        n.put("message", e.message());
      }
      case JournalEvent.PatchStarted e -> {
        n.put("image", e.image());
        n.put("from", e.from().toString());
        n.put("to", e.to().toString());
        ArrayNode a = n.putArray("advisories");
        e.advisories().forEach(a::add);
        n.put("feed", e.feed().toString());
      }
      case JournalEvent.AdmissionRefused e -> {
        n.put("digest", e.digest().toString());
        n.put("denySeverity", e.denySeverity());
        ArrayNode a = n.putArray("advisories");
        e.advisories().forEach(a::add);
        n.put("feed", e.feed().toString());
      }
      case JournalEvent.AdmissionExcepted e -> {
        n.put("digest", e.digest().toString());
        ArrayNode a = n.putArray("advisories");
        e.advisories().forEach(a::add);
      }
      case JournalEvent.PolicyException e -> {
        n.put("until", e.until().toString());
        n.put("reason", e.reason());
      }
      case JournalEvent.SnapshotCreated e -> {
        n.put("file", e.file());
        n.put("journalSeq", e.journalSeq());
        n.put("bytes", e.bytes());
        n.put("members", e.members());
        n.put("sha256", e.sha256());
      }
      case JournalEvent.SnapshotDrill e -> {
        n.put("file", e.file());
        n.put("journalSeq", e.journalSeq());
        n.put("good", e.good());
        n.put("verdict", e.verdict());
      }
      case JournalEvent.Restored e -> {
        n.put("snapshot", e.snapshot());
        n.put("journalSeq", e.journalSeq());
        e.toSeq().ifPresent(v -> n.put("toSeq", v));
        n.put("keyId", e.keyId());
      }
      case JournalEvent.EnvironmentApplied e -> EnvironmentCodec.encode(e, n);
      case JournalEvent.EnvPromoted e -> EnvironmentCodec.encode(e, n);
      case JournalEvent.PromotionRefused e -> EnvironmentCodec.encode(e, n);
      case JournalEvent.CertificateInstalled e -> {
        n.put("service", e.service());
        n.put("host", e.host());
        n.put("certFile", e.certFile());
        n.put("fingerprint", e.fingerprint());
        n.put("notAfter", e.notAfter().toString());
        n.put("certSubject", e.certSubject());
        n.put("chainPem", e.chainPem());
        n.put("keySecret", e.keySecret());
        n.put("redirect", e.redirect());
        n.put("hsts", e.hsts());
      }
      case JournalEvent.CertificateRemoved e -> {
        n.put("service", e.service());
        n.put("fingerprint", e.fingerprint());
      }
      case JournalEvent.GitApplied e -> {
        n.put("commit", e.commit());
        n.put("branch", e.branch());
        n.put("author", e.author());
        e.signer().ifPresent(v -> n.put("signer", v));
        n.put("path", e.path());
        n.put("blueprint", e.blueprint().toString());
        ObjectNode revs = n.putObject("revisions");
        e.revisions().forEach(revs::put);
        n.put("trigger", e.trigger());
      }
      case JournalEvent.GitRefused e -> {
        n.put("commit", e.commit());
        n.put("head", e.head());
        n.put("reason", e.reason());
        n.put("error", e.error());
      }
      case JournalEvent.GitDrifted e -> {
        n.put("commit", e.commit());
        n.put("expected", e.expected().toString());
        n.put("live", e.live().toString());
        n.put("response", e.response());
      }
      case JournalEvent.NotifyConfigured e -> {
        ArrayNode hooks = n.putArray("webhooks");
        for (JournalEvent.Webhook w : e.webhooks()) {
          ObjectNode h = hooks.addObject();
          h.put("id", w.id());
          h.put("url", w.url().toString());
          ArrayNode ev = h.putArray("events");
          w.events().forEach(ev::add);
          h.put("secret", w.secret());
          h.put("afterSeq", w.afterSeq());
        }
      }
      case JournalEvent.NotifyDelivered e -> {
        n.put("webhook", e.webhook());
        n.put("delivery", e.delivery());
        n.put("event", e.event());
        n.put("status", e.status());
        n.put("attempts", e.attempts());
      }
      case JournalEvent.NotifyFailed e -> {
        n.put("webhook", e.webhook());
        n.put("delivery", e.delivery());
        n.put("event", e.event());
        e.status().ifPresent(v -> n.put("status", v));
        n.put("attempts", e.attempts());
        n.put("error", e.error());
      }
    }
    return n;
  }

  public static JournalEvent decode(Entry e) {
    return decode(e.kind(), e.subject(), Json.parse(e.body()));
  }

  /**
   * The event an entry of {@code kind} holds, from a body of either version.
   *
   * @throws ServerException naming the kind and the missing field when the body is not an event
   */
  public static JournalEvent decode(String kind, String subject, JsonNode n) {
    int version = n.path("v").asInt(1);
    if (version > VERSION) {
      throw new ServerException(
          "journal entry of kind "
              + kind
              + " has body version "
              + version
              + "; this server reads versions 1 to "
              + VERSION
              + " (upgrade Kiln)");
    }
    try {
      return switch (kind) {
        case "server-started" -> {
          List<String> adopted = new ArrayList<>();
          n.path("adopted").forEach(a -> adopted.add(a.asText()));
          yield new JournalEvent.ServerStarted(
              adopted, text(n, "api"), text(n, "router"), text(n, "hostKey"));
        }
        case "image-baked" ->
            new JournalEvent.ImageBaked(
                text(n, "image"), digest(n, "digest"), n.path("blueprint").asText(""));
        case "image-verified" ->
            new JournalEvent.ImageVerified(
                text(n, "image"), digest(n, "digest"), text(n, "reason"), opt(n, "keyId"));
        case "image-refused" ->
            new JournalEvent.ImageRefused(
                opt(n, "image"), digest(n, "digest"), text(n, "reason"), opt(n, "keyId"));
        case "blueprint-applied" -> blueprintApplied(n);
        case "revision-created" ->
            new JournalEvent.RevisionCreated(
                StateCodec.revision(field(n, "revision")), n.path("cause").asText("apply"));
        case "rollout-started" ->
            new JournalEvent.RolloutStarted(
                StateCodec.rollout(field(n, "rollout")),
                n.has("supersedes") ? Optional.of(n.get("supersedes").asInt()) : Optional.empty());
        case "rollout-state" ->
            new JournalEvent.RolloutState(StateCodec.rollout(field(n, "rollout")));
        case "rollout-intent" ->
            new JournalEvent.RolloutIntent(
                StateCodec.rollout(field(n, "rollout")), opt(n, "request"));
        case "traffic-set" ->
            new JournalEvent.TrafficSet(
                n.path("service").asText(subject), StateCodec.traffic(field(n, "traffic")));
        case "instance-starting" ->
            new JournalEvent.InstanceStarting(
                text(n, "service"),
                field(n, "revision").asInt(),
                opt(n, "image").map(Digest::parse),
                strings(field(n, "instances")));
        case "instance-stopping" ->
            new JournalEvent.InstanceStopping(
                text(n, "service"),
                text(n, "instance"),
                text(n, "reason"),
                field(n, "drain").asBoolean());
        case "instance-adopted" ->
            new JournalEvent.InstanceAdopted(
                text(n, "service"),
                field(n, "fromRevision").asInt(),
                field(n, "toRevision").asInt(),
                strings(field(n, "instances")));
        case "service-scaled" -> {
          TreeMap<Integer, Integer> per = new TreeMap<>();
          field(n, "perRevision")
              .fields()
              .forEachRemaining(f -> per.put(Integer.parseInt(f.getKey()), f.getValue().asInt()));
          TreeMap<String, String> in = new TreeMap<>();
          field(n, "inputs")
              .fields()
              .forEachRemaining(f -> in.put(f.getKey(), f.getValue().asText()));
          yield new JournalEvent.ServiceScaled(
              text(n, "service"),
              field(n, "from").asInt(),
              field(n, "to").asInt(),
              per,
              text(n, "rule"),
              in);
        }
        case "instance-failed" ->
            new JournalEvent.InstanceFailed(
                text(n, "service"),
                field(n, "revision").asInt(),
                text(n, "instance"),
                text(n, "error"),
                Duration.parse(text(n, "retryIn")));
        case "instance-limit-exceeded" ->
            new JournalEvent.InstanceLimitExceeded(
                subject,
                text(n, "instance"),
                field(n, "revision").asInt(),
                text(n, "reason"),
                text(n, "limit"),
                optLong(n, "limitBytes"),
                optLong(n, "peakBytes"),
                optLong(n, "refusedForks"),
                optLong(n, "exitCode").map(Long::intValue));
        case "instance-moved" ->
            new JournalEvent.InstanceMoved(
                subject,
                field(n, "revision").asInt(),
                text(n, "instance"),
                text(n, "fromNode"),
                text(n, "replacement"),
                text(n, "toNode"),
                text(n, "reason"));
        case "instance-drifted" -> {
          java.util.TreeMap<String, String> evidence = new java.util.TreeMap<>();
          field(n, "evidence")
              .fields()
              .forEachRemaining(f -> evidence.put(f.getKey(), f.getValue().asText()));
          yield new JournalEvent.InstanceDrifted(
              subject,
              field(n, "revision").asInt(),
              text(n, "instance"),
              text(n, "surface"),
              text(n, "what"),
              evidence,
              text(n, "response"),
              text(n, "reason"));
        }
        case "service-removed" ->
            new JournalEvent.ServiceRemoved(subject, field(n, "revision").asInt());
        // v1 wrote the user's request and the planner's line under one kind; the request has a mode
        case "rollback" ->
            n.has("mode")
                ? new JournalEvent.RollbackRequested(
                    subject,
                    field(n, "from").asInt(),
                    field(n, "to").asInt(),
                    text(n, "contentOf"),
                    text(n, "mode"))
                : noted(kind, n);
        case "patch-started" ->
            new JournalEvent.PatchStarted(
                subject,
                text(n, "image"),
                digest(n, "from"),
                digest(n, "to"),
                strings(field(n, "advisories")),
                digest(n, "feed"));
        case "admission-refused" ->
            new JournalEvent.AdmissionRefused(
                subject,
                digest(n, "digest"),
                text(n, "denySeverity"),
                strings(field(n, "advisories")),
                digest(n, "feed"));
        case "admission-excepted" ->
            new JournalEvent.AdmissionExcepted(
                subject, digest(n, "digest"), strings(field(n, "advisories")));
        case "policy-exception" ->
            new JournalEvent.PolicyException(
                subject, java.time.Instant.parse(text(n, "until")), text(n, "reason"));
        case "snapshot-created" ->
            new JournalEvent.SnapshotCreated(
                text(n, "file"),
                field(n, "journalSeq").asLong(),
                field(n, "bytes").asLong(),
                field(n, "members").asInt(),
                text(n, "sha256"));
        case "snapshot-drill" ->
            new JournalEvent.SnapshotDrill(
                text(n, "file"),
                field(n, "journalSeq").asLong(),
                field(n, "good").asBoolean(),
                text(n, "verdict"));
        case "restored" ->
            new JournalEvent.Restored(
                text(n, "snapshot"),
                field(n, "journalSeq").asLong(),
                optLong(n, "toSeq"),
                text(n, "keyId"));
        case "environment-applied" -> EnvironmentCodec.environmentApplied(n);
        case "env-promoted" -> EnvironmentCodec.envPromoted(n);
        case "promotion-refused" -> EnvironmentCodec.promotionRefused(n);
        case "certificate-installed" ->
            new JournalEvent.CertificateInstalled(
                text(n, "service"),
                text(n, "host"),
                text(n, "certFile"),
                text(n, "fingerprint"),
                java.time.Instant.parse(text(n, "notAfter")),
                text(n, "certSubject"),
                text(n, "chainPem"),
                text(n, "keySecret"),
                field(n, "redirect").asBoolean(),
                field(n, "hsts").asBoolean());
        case "certificate-removed" ->
            new JournalEvent.CertificateRemoved(text(n, "service"), text(n, "fingerprint"));
        case "git-applied" -> {
          TreeMap<String, Integer> revs = new TreeMap<>();
          field(n, "revisions")
              .fields()
              .forEachRemaining(f -> revs.put(f.getKey(), f.getValue().asInt()));
          yield new JournalEvent.GitApplied(
              text(n, "commit"),
              text(n, "branch"),
              text(n, "author"),
              opt(n, "signer"),
              text(n, "path"),
              digest(n, "blueprint"),
              revs,
              text(n, "trigger"));
        }
        case "git-refused" ->
            new JournalEvent.GitRefused(
                text(n, "commit"), text(n, "head"), text(n, "reason"), text(n, "error"));
        case "git-drifted" ->
            new JournalEvent.GitDrifted(
                text(n, "commit"), digest(n, "expected"), digest(n, "live"), text(n, "response"));
        case "notify-configured" -> {
          List<JournalEvent.Webhook> hooks = new ArrayList<>();
          for (JsonNode h : field(n, "webhooks"))
            hooks.add(
                new JournalEvent.Webhook(
                    text(h, "id"),
                    java.net.URI.create(text(h, "url")),
                    strings(field(h, "events")),
                    text(h, "secret"),
                    field(h, "afterSeq").asLong()));
          yield new JournalEvent.NotifyConfigured(hooks);
        }
        case "notify-delivered" ->
            new JournalEvent.NotifyDelivered(
                text(n, "webhook"),
                subject,
                field(n, "delivery").asLong(),
                text(n, "event"),
                field(n, "status").asInt(),
                field(n, "attempts").asInt());
        case "notify-failed" ->
            new JournalEvent.NotifyFailed(
                text(n, "webhook"),
                subject,
                field(n, "delivery").asLong(),
                text(n, "event"),
                optLong(n, "status").map(Long::intValue),
                field(n, "attempts").asInt(),
                text(n, "error"));
        default -> noted(kind, n);
      };
    } catch (RuntimeException ex) {
      if (ex instanceof ServerException) throw ex;
      throw new ServerException(
          "journal entry of kind " + kind + " has a malformed body: " + ex.getMessage(), ex);
    }
  }

  private static JournalEvent noted(String kind, JsonNode n) {
    return new JournalEvent.Noted(
        text(n, "service"), dev.kiln.controller.EventKind.of(kind), text(n, "message"));
  }

  static ObjectNode appliedService(AppliedService s) {
    ObjectNode sn = Json.object();
    sn.put("image", s.image());
    sn.put("replicas", s.replicas());
    sn.set("strategy", StateCodec.strategy(s.strategy()));
    sn.put("progressDeadline", s.progressDeadline().toString());
    s.autoscale().ifPresent(a -> sn.set("autoscale", autoscale(a)));
    return sn;
  }

  static AppliedService appliedService(JsonNode s) {
    return new AppliedService(
        s.path("image").asText(""),
        field(s, "replicas").asInt(),
        StateCodec.strategy(field(s, "strategy")),
        Duration.parse(text(s, "progressDeadline")),
        s.has("autoscale") ? Optional.of(autoscale(s.get("autoscale"))) : Optional.empty());
  }

  private static JournalEvent blueprintApplied(JsonNode n) {
    TreeMap<String, Digest> images = new TreeMap<>();
    n.path("images")
        .fields()
        .forEachRemaining(f -> images.put(f.getKey(), Digest.parse(f.getValue().asText())));
    TreeMap<String, AppliedService> services = new TreeMap<>();
    n.path("services")
        .fields()
        .forEachRemaining(
            f -> {
              JsonNode s = f.getValue();
              services.put(
                  f.getKey(),
                  new AppliedService(
                      s.path("image").asText(""),
                      field(s, "replicas").asInt(),
                      StateCodec.strategy(field(s, "strategy")),
                      Duration.parse(text(s, "progressDeadline")),
                      s.has("autoscale")
                          ? Optional.of(autoscale(s.get("autoscale")))
                          : Optional.empty(),
                      s.has("drift") ? drift(s.get("drift")) : dev.kiln.model.DriftPolicy.DEFAULT));
            });
    return new JournalEvent.BlueprintApplied(
        text(n, "file"),
        digest(n, "digest"),
        opt(n, "commit"),
        images,
        services,
        n.path("hasChanges").asBoolean(true));
  }

  private static JsonNode field(JsonNode n, String name) {
    JsonNode v = n.get(name);
    if (v == null || v.isNull())
      throw new IllegalArgumentException("field '" + name + "' is missing");
    return v;
  }

  private static String text(JsonNode n, String name) {
    return field(n, name).asText();
  }

  private static Digest digest(JsonNode n, String name) {
    return Digest.parse(text(n, name));
  }

  private static Optional<Long> optLong(JsonNode n, String name) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asLong());
  }

  private static Optional<String> opt(JsonNode n, String name) {
    JsonNode v = n.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
  }

  private static List<String> strings(JsonNode a) {
    List<String> out = new ArrayList<>();
    a.forEach(x -> out.add(x.asText()));
    return out;
  }

  static ObjectNode autoscale(dev.kiln.model.Autoscale a) {
    ObjectNode n = Json.object();
    n.put("min", a.min());
    n.put("max", a.max());
    n.put("metric", a.target().metric().key);
    n.put("value", a.target().value());
    n.put("scaleDownDelay", a.scaleDownDelay().toString());
    a.idleToZero().ifPresent(d -> n.put("idleToZero", d.toString()));
    return n;
  }

  static dev.kiln.model.Autoscale autoscale(JsonNode n) {
    String key = text(n, "metric");
    dev.kiln.model.Autoscale.Metric metric =
        java.util.Arrays.stream(dev.kiln.model.Autoscale.Metric.values())
            .filter(m -> m.key.equals(key))
            .findFirst()
            .orElseThrow(() -> new IllegalArgumentException("unknown autoscale metric " + key));
    return new dev.kiln.model.Autoscale(
        field(n, "min").asInt(),
        field(n, "max").asInt(),
        new dev.kiln.model.Autoscale.Target(metric, field(n, "value").asDouble()),
        Duration.parse(text(n, "scaleDownDelay")),
        n.has("idleToZero")
            ? Optional.of(Duration.parse(text(n, "idleToZero")))
            : Optional.empty());
  }

  static ObjectNode drift(dev.kiln.model.DriftPolicy d) {
    ObjectNode n = Json.object();
    n.put("response", d.response());
    n.put("replacements", d.replacements());
    n.put("window", d.window().toString());
    return n;
  }

  static dev.kiln.model.DriftPolicy drift(JsonNode n) {
    return new dev.kiln.model.DriftPolicy(
        text(n, "response"), field(n, "replacements").asInt(), Duration.parse(text(n, "window")));
  }
}
