package dev.kiln.server;

import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.controller.EventKind;
import dev.kiln.journal.Entry;
import java.util.ArrayList;
import java.util.List;

/**
 * The one JSON form of {@link JournalEvent}s. Fields are written in a fixed order (the journal then
 * canonicalises the body before hashing it) and every body starts with {@code "v": 2}, the on-disk
 * format version. Bodies without {@code v} are version 1, written before events were typed; they
 * have the same fields, except that v1 wrote an image refused at instance start without its name, a
 * user's rollback request and the planner's rollback line under the same kind, and an image-refusal
 * abort without a request. Both versions decode to the same records.
 *
 * <p>This class is the only entry point: it writes the version and dispatches each kind to the
 * codec of its area ({@link ImageCodec}, {@link BlueprintCodec}, {@link RolloutCodec}, {@link
 * InstanceCodec}, {@link SnapshotCodec}, {@link EnvironmentCodec}, {@link CertificateCodec}, {@link
 * GitCodec}, {@link NotifyCodec}), which writes the fields after it. The encode switch is
 * exhaustive, so a new record without an arm here does not compile.
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
      case JournalEvent.Noted e -> {
        n.put("service", e.service());
        n.put("message", e.message());
      }
      case JournalEvent.ImageBaked e -> ImageCodec.encode(e, n);
      case JournalEvent.ImageVerified e -> ImageCodec.encode(e, n);
      case JournalEvent.ImageRefused e -> ImageCodec.encode(e, n);
      case JournalEvent.PatchStarted e -> ImageCodec.encode(e, n);
      case JournalEvent.AdmissionRefused e -> ImageCodec.encode(e, n);
      case JournalEvent.AdmissionExcepted e -> ImageCodec.encode(e, n);
      case JournalEvent.PolicyException e -> ImageCodec.encode(e, n);
      case JournalEvent.BlueprintApplied e -> BlueprintCodec.encode(e, n);
      case JournalEvent.RevisionCreated e -> RolloutCodec.encode(e, n);
      case JournalEvent.RolloutStarted e -> RolloutCodec.encode(e, n);
      case JournalEvent.RolloutState e -> RolloutCodec.encode(e, n);
      case JournalEvent.RolloutIntent e -> RolloutCodec.encode(e, n);
      case JournalEvent.TrafficSet e -> RolloutCodec.encode(e, n);
      case JournalEvent.ServiceScaled e -> RolloutCodec.encode(e, n);
      case JournalEvent.ServiceRemoved e -> RolloutCodec.encode(e, n);
      case JournalEvent.RollbackRequested e -> RolloutCodec.encode(e, n);
      case JournalEvent.InstanceStarting e -> InstanceCodec.encode(e, n);
      case JournalEvent.InstanceStopping e -> InstanceCodec.encode(e, n);
      case JournalEvent.InstanceAdopted e -> InstanceCodec.encode(e, n);
      case JournalEvent.InstanceFailed e -> InstanceCodec.encode(e, n);
      case JournalEvent.InstanceLimitExceeded e -> InstanceCodec.encode(e, n);
      case JournalEvent.InstanceMoved e -> InstanceCodec.encode(e, n);
      case JournalEvent.InstanceDrifted e -> InstanceCodec.encode(e, n);
      case JournalEvent.SnapshotCreated e -> SnapshotCodec.encode(e, n);
      case JournalEvent.SnapshotDrill e -> SnapshotCodec.encode(e, n);
      case JournalEvent.Restored e -> SnapshotCodec.encode(e, n);
      case JournalEvent.EnvironmentApplied e -> EnvironmentCodec.encode(e, n);
      case JournalEvent.EnvPromoted e -> EnvironmentCodec.encode(e, n);
      case JournalEvent.PromotionRefused e -> EnvironmentCodec.encode(e, n);
      case JournalEvent.CertificateInstalled e -> CertificateCodec.encode(e, n);
      case JournalEvent.CertificateRemoved e -> CertificateCodec.encode(e, n);
      case JournalEvent.GitApplied e -> GitCodec.encode(e, n);
      case JournalEvent.GitRefused e -> GitCodec.encode(e, n);
      case JournalEvent.GitDrifted e -> GitCodec.encode(e, n);
      case JournalEvent.NotifyConfigured e -> NotifyCodec.encode(e, n);
      case JournalEvent.NotifyDelivered e -> NotifyCodec.encode(e, n);
      case JournalEvent.NotifyFailed e -> NotifyCodec.encode(e, n);
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
        case "server-started" -> serverStarted(n);
        case "image-baked" -> ImageCodec.imageBaked(n);
        case "image-verified" -> ImageCodec.imageVerified(n);
        case "image-refused" -> ImageCodec.imageRefused(n);
        case "patch-started" -> ImageCodec.patchStarted(n, subject);
        case "admission-refused" -> ImageCodec.admissionRefused(n, subject);
        case "admission-excepted" -> ImageCodec.admissionExcepted(n, subject);
        case "policy-exception" -> ImageCodec.policyException(n, subject);
        case "blueprint-applied" -> BlueprintCodec.blueprintApplied(n);
        case "revision-created" -> RolloutCodec.revisionCreated(n);
        case "rollout-started" -> RolloutCodec.rolloutStarted(n);
        case "rollout-state" -> RolloutCodec.rolloutState(n);
        case "rollout-intent" -> RolloutCodec.rolloutIntent(n);
        case "traffic-set" -> RolloutCodec.trafficSet(n, subject);
        case "service-scaled" -> RolloutCodec.serviceScaled(n);
        case "service-removed" -> RolloutCodec.serviceRemoved(n, subject);
        // v1 wrote the user's request and the planner's line under one kind; the request has a mode
        case "rollback" ->
            n.has("mode") ? RolloutCodec.rollbackRequested(n, subject) : noted(kind, n);
        case "instance-starting" -> InstanceCodec.instanceStarting(n);
        case "instance-stopping" -> InstanceCodec.instanceStopping(n);
        case "instance-adopted" -> InstanceCodec.instanceAdopted(n);
        case "instance-failed" -> InstanceCodec.instanceFailed(n);
        case "instance-limit-exceeded" -> InstanceCodec.instanceLimitExceeded(n, subject);
        case "instance-moved" -> InstanceCodec.instanceMoved(n, subject);
        case "instance-drifted" -> InstanceCodec.instanceDrifted(n, subject);
        case "snapshot-created" -> SnapshotCodec.snapshotCreated(n);
        case "snapshot-drill" -> SnapshotCodec.snapshotDrill(n);
        case "restored" -> SnapshotCodec.restored(n);
        case "environment-applied" -> EnvironmentCodec.environmentApplied(n);
        case "env-promoted" -> EnvironmentCodec.envPromoted(n);
        case "promotion-refused" -> EnvironmentCodec.promotionRefused(n);
        case "certificate-installed" -> CertificateCodec.certificateInstalled(n);
        case "certificate-removed" -> CertificateCodec.certificateRemoved(n);
        case "git-applied" -> GitCodec.gitApplied(n);
        case "git-refused" -> GitCodec.gitRefused(n);
        case "git-drifted" -> GitCodec.gitDrifted(n);
        case "notify-configured" -> NotifyCodec.notifyConfigured(n);
        case "notify-delivered" -> NotifyCodec.notifyDelivered(n, subject);
        case "notify-failed" -> NotifyCodec.notifyFailed(n, subject);
        default -> noted(kind, n);
      };
    } catch (RuntimeException ex) {
      if (ex instanceof ServerException) throw ex;
      throw new ServerException(
          "journal entry of kind " + kind + " has a malformed body: " + ex.getMessage(), ex);
    }
  }

  private static JournalEvent serverStarted(JsonNode n) {
    List<String> adopted = new ArrayList<>();
    n.path("adopted").forEach(a -> adopted.add(a.asText()));
    return new JournalEvent.ServerStarted(
        adopted, text(n, "api"), text(n, "router"), text(n, "hostKey"));
  }

  private static JournalEvent noted(String kind, JsonNode n) {
    return new JournalEvent.Noted(text(n, "service"), EventKind.of(kind), text(n, "message"));
  }
}
