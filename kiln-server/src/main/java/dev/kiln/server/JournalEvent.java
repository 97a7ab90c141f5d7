package dev.kiln.server;

import dev.kiln.controller.EventKind;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.model.Digest;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Every kind of journal entry the server writes, one record per kind: {@link Recorder#append} is
 * the only writer, {@link EventCodec} the only JSON form, and {@link ServerState#apply} switches
 * over this sealed family without a {@code default}, so a kind that is not projected does not
 * compile. {@link #kind()} is the entry's kind as stored (hyphenated, stable forever: `kiln journal
 * --kind` and existing journals use these strings); {@link #subject()} the entry's subject.
 *
 * <p>Adding a kind: a record here, its encode/decode in the codec of its area dispatched from
 * {@link EventCodec}, with a round-trip case in {@code EventCodecTest}, and its arm in {@link
 * ServerState#apply}.
 */
public sealed interface JournalEvent {
  String kind();

  String subject();

  /** The control plane came up, adopting the instances still running from before. */
  record ServerStarted(List<String> adopted, String api, String router, String hostKey)
      implements JournalEvent {
    public ServerStarted {
      adopted = List.copyOf(adopted);
    }

    public String kind() {
      return "server-started";
    }

    public String subject() {
      return "server";
    }
  }

  /** {@code kiln apply} baked an image the blueprint uses that was not in the store. */
  record ImageBaked(String image, Digest digest, String blueprint) implements JournalEvent {
    public String kind() {
      return "image-baked";
    }

    public String subject() {
      return image;
    }
  }

  /** An image's signature verified with the host key before it was deployed. */
  record ImageVerified(String image, Digest digest, String reason, Optional<String> keyId)
      implements JournalEvent {
    public String kind() {
      return "image-verified";
    }

    public String subject() {
      return image;
    }
  }

  /**
   * An image was refused: at apply time (its blueprint name known) or when an instance was about to
   * start from it (only its digest known; the subject is then {@code image}).
   */
  record ImageRefused(Optional<String> image, Digest digest, String reason, Optional<String> keyId)
      implements JournalEvent {
    public String kind() {
      return "image-refused";
    }

    public String subject() {
      return image.orElse("image");
    }
  }

  /**
   * How one service is to run, as an applied blueprint said. {@code drift} is its {@code drift:}
   * (issue 10), stored only when it is not the default.
   */
  record AppliedService(
      String image,
      int replicas,
      Strategy strategy,
      Duration progressDeadline,
      Optional<dev.kiln.model.Autoscale> autoscale,
      dev.kiln.model.DriftPolicy drift) {
    public AppliedService(
        String image,
        int replicas,
        Strategy strategy,
        Duration progressDeadline,
        Optional<dev.kiln.model.Autoscale> autoscale) {
      this(
          image,
          replicas,
          strategy,
          progressDeadline,
          autoscale,
          dev.kiln.model.DriftPolicy.DEFAULT);
    }

    public AppliedService(
        String image, int replicas, Strategy strategy, Duration progressDeadline) {
      this(image, replicas, strategy, progressDeadline, Optional.empty());
    }
  }

  /** A blueprint was applied: its file, content digest, image digests and services. */
  record BlueprintApplied(
      String file,
      Digest digest,
      Optional<String> commit,
      SortedMap<String, Digest> images,
      SortedMap<String, AppliedService> services,
      boolean hasChanges)
      implements JournalEvent {
    public BlueprintApplied {
      images = new TreeMap<>(images);
      services = new TreeMap<>(services);
    }

    public String kind() {
      return "blueprint-applied";
    }

    public String subject() {
      return "blueprint";
    }
  }

  /** A new revision, by an apply or a rollback ({@code cause}). */
  record RevisionCreated(Revision revision, String cause) implements JournalEvent {
    public String kind() {
      return "revision-created";
    }

    public String subject() {
      return revision.service();
    }
  }

  /** A rollout began; {@code supersedes} names the target of the unfinished one it replaced. */
  record RolloutStarted(Rollout rollout, Optional<Integer> supersedes) implements JournalEvent {
    public String kind() {
      return "rollout-started";
    }

    public String subject() {
      return rollout.service();
    }
  }

  /** The rollout's next state, as the planner (or a scale) decided it. */
  record RolloutState(Rollout rollout) implements JournalEvent {
    public String kind() {
      return "rollout-state";
    }

    public String subject() {
      return rollout.service();
    }
  }

  /**
   * A request recorded on the rollout for the planner to act on: a user's pause, resume, promote or
   * abort, or the server's abort of a rollout whose image was refused.
   */
  record RolloutIntent(Rollout rollout, Optional<String> request) implements JournalEvent {
    public String kind() {
      return "rollout-intent";
    }

    public String subject() {
      return rollout.service();
    }
  }

  /** The traffic split a service's route now has. */
  record TrafficSet(String service, Traffic traffic) implements JournalEvent {
    public String kind() {
      return "traffic-set";
    }

    public String subject() {
      return service;
    }
  }

  /** Instances about to be started (journaled first, so a restarted server knows the ids). */
  record InstanceStarting(
      String service, int revision, Optional<Digest> image, List<String> instances)
      implements JournalEvent {
    public InstanceStarting {
      instances = List.copyOf(instances);
    }

    public String kind() {
      return "instance-starting";
    }

    public String subject() {
      return service;
    }
  }

  /** An instance about to be taken out of the route (drained if {@code drain}) and stopped. */
  record InstanceStopping(String service, String instance, String reason, boolean drain)
      implements JournalEvent {
    public String kind() {
      return "instance-stopping";
    }

    public String subject() {
      return service;
    }
  }

  /** Running instances of {@code fromRevision} now serve {@code toRevision} (a warm rollback). */
  record InstanceAdopted(String service, int fromRevision, int toRevision, List<String> instances)
      implements JournalEvent {
    public InstanceAdopted {
      instances = List.copyOf(instances);
    }

    public String kind() {
      return "instance-adopted";
    }

    public String subject() {
      return service;
    }
  }

  /** An instance failed to start or crashed; the service waits {@code retryIn} before retrying. */
  record InstanceFailed(
      String service, int revision, String instance, String error, Duration retryIn)
      implements JournalEvent {
    public String kind() {
      return "instance-failed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A resource limit ended an instance ({@code OOMKilled} or {@code PidsLimit}): the limit and the
   * peak it reached. The healer replaces it like any instance that exited; this says why.
   */
  record InstanceLimitExceeded(
      String service,
      String instance,
      int revision,
      String reason,
      String limit,
      Optional<Long> limitBytes,
      Optional<Long> peakBytes,
      Optional<Long> refusedForks,
      Optional<Integer> exitCode)
      implements JournalEvent {
    public String kind() {
      return "instance-limit-exceeded";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * An instance on another host (a swarm node) was lost or ended there, and the replacement of the
   * same revision was placed by the engine on another node (issue 17: a task moved is a
   * replacement). The healer's {@code instance-replaced} entry says a new instance replaces it;
   * this says from where to where, and why, as the runtime reported it.
   *
   * @param reason the runtime's words for the old instance, e.g. {@code lost: node 10.0.0.3 is down
   *     (task …)}
   */
  record InstanceMoved(
      String service,
      int revision,
      String instance,
      String fromNode,
      String replacement,
      String toNode,
      String reason)
      implements JournalEvent {
    public String kind() {
      return "instance-moved";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A verdict on drift observed on a running instance (issue 10): the surface ({@code rootfs},
   * {@code process}, {@code socket}, {@code env}, {@code config}), what drifted and the evidence
   * (paths with expected and found entries, pids and executables, ports, key names — never values),
   * and the response: {@code replace} or {@code report}, with why.
   */
  record InstanceDrifted(
      String service,
      int revision,
      String instance,
      String surface,
      String what,
      java.util.SortedMap<String, String> evidence,
      String response,
      String reason)
      implements JournalEvent {
    public InstanceDrifted {
      evidence = new TreeMap<>(evidence);
    }

    public String kind() {
      return "instance-drifted";
    }

    public String subject() {
      return service;
    }
  }

  /** A service left the blueprint; {@code revision} was its last. */
  record ServiceRemoved(String service, int revision) implements JournalEvent {
    public String kind() {
      return "service-removed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A user asked for a rollback: {@code mode} is {@code swap} (warm fleet) or {@code fast-track}.
   */
  record RollbackRequested(String service, int from, int to, String contentOf, String mode)
      implements JournalEvent {
    public String kind() {
      return "rollback";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A fact the planners report with a line of its own (the controller's {@code RecordEvent}): a
   * phase change, a canary step, a replacement. It changes no state.
   */
  record Noted(String service, EventKind note, String message) implements JournalEvent {
    public String kind() {
      return note.kind();
    }

    public String subject() {
      return service;
    }
  }

  /**
   * {@code kiln patch} rebaked a service's image for advisories and is about to roll the new one
   * out (the {@code blueprint-applied} and {@code rollout-started} that follow carry it): the
   * advisories it fixes, the image before and after, and the feed (its digest) the re-scan was
   * clean against.
   */
  record PatchStarted(
      String service, String image, Digest from, Digest to, List<String> advisories, Digest feed)
      implements JournalEvent {
    public PatchStarted {
      advisories = List.copyOf(advisories);
    }

    public String kind() {
      return "patch-started";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * Admission refused an image at apply: the blueprint's {@code policy: { deny-severity }} and the
   * server's advisory feed found these advisories at or above it, with no unexpired exception.
   */
  record AdmissionRefused(
      String image, Digest digest, String denySeverity, List<String> advisories, Digest feed)
      implements JournalEvent {
    public AdmissionRefused {
      advisories = List.copyOf(advisories);
    }

    public String kind() {
      return "admission-refused";
    }

    public String subject() {
      return image;
    }
  }

  /** Admission let an image through only because of exceptions: the advisories they covered. */
  record AdmissionExcepted(String image, Digest digest, List<String> advisories)
      implements JournalEvent {
    public AdmissionExcepted {
      advisories = List.copyOf(advisories);
    }

    public String kind() {
      return "admission-excepted";
    }

    public String subject() {
      return image;
    }
  }

  /**
   * {@code kiln policy allow}: images carrying {@code advisory} pass admission until {@code until};
   * a later exception for the same advisory replaces it.
   */
  record PolicyException(String advisory, java.time.Instant until, String reason)
      implements JournalEvent {
    public String kind() {
      return "policy-exception";
    }

    public String subject() {
      return advisory;
    }
  }

  /**
   * The auto-scaler changed a service's instance count (a healer target for its live revision, not
   * a new revision): {@code from} the last target {@code to} the new one, split per revision by
   * traffic weight, with the rule that decided and the inputs it saw (metric values, windows). A
   * wake from zero is one of these, with a rule starting {@code wake:}.
   */
  record ServiceScaled(
      String service,
      int from,
      int to,
      SortedMap<Integer, Integer> perRevision,
      String rule,
      SortedMap<String, String> inputs)
      implements JournalEvent {
    public ServiceScaled {
      perRevision = new TreeMap<>(perRevision);
      inputs = new TreeMap<>(inputs);
    }

    public String kind() {
      return "service-scaled";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * A snapshot was written ({@code kiln snapshot create}, or the schedule): the file, the journal
   * seq it holds (this entry comes after it) and the archive's sha256.
   */
  record SnapshotCreated(String file, long journalSeq, long bytes, int members, String sha256)
      implements JournalEvent {
    public String kind() {
      return "snapshot-created";
    }

    public String subject() {
      return "snapshot";
    }
  }

  /**
   * A scheduled snapshot was restored into a scratch home and checked there (files, journal,
   * projection, plan): only a good one counts as a backup; {@code verdict} says what was proven or
   * what failed.
   */
  record SnapshotDrill(String file, long journalSeq, boolean good, String verdict)
      implements JournalEvent {
    public String kind() {
      return "snapshot-drill";
    }

    public String subject() {
      return "snapshot";
    }
  }

  /**
   * This home was restored from a snapshot ({@code kiln restore}); the entry's actor says by whom.
   * {@code toSeq} is set for a point-in-time restore (the journal then ends at that seq before this
   * entry).
   */
  record Restored(String snapshot, long journalSeq, Optional<Long> toSeq, String keyId)
      implements JournalEvent {
    public String kind() {
      return "restored";
    }

    public String subject() {
      return "server";
    }
  }

  // --- environments (issue 15): declared per apply, promoted with their evidence ---

  /**
   * A blueprint with {@code environments:} was applied to {@code environment}: every environment it
   * declares, each service resolved with that environment's overrides, so a later promotion knows
   * the target's config and router without the blueprint.
   */
  record EnvironmentApplied(
      String environment, Digest blueprint, SortedMap<String, DeclaredEnvironment> environments)
      implements JournalEvent {
    public EnvironmentApplied {
      environments = new TreeMap<>(environments);
    }

    public String kind() {
      return "environment-applied";
    }

    public String subject() {
      return environment;
    }
  }

  /** One environment as a blueprint declares it, its services resolved with its overrides. */
  record DeclaredEnvironment(
      String router,
      Optional<String> promotionFrom,
      Duration soak,
      SortedMap<String, EnvironmentService> services) {
    public DeclaredEnvironment {
      services = new TreeMap<>(services);
    }
  }

  /** A service as it runs in one environment: how it rolls out, and what its instances are. */
  record EnvironmentService(AppliedService applied, dev.kiln.controller.RuntimeConfig config) {}

  /**
   * A revision may move from one environment to the next ({@code kiln env promote}, or {@code kiln
   * apply --env} of a digest that passed the source): what it is, and the evidence relied on. The
   * {@code revision-created} and {@code rollout-started} in the target follow it.
   *
   * @param service the service's name in the blueprint ({@code web})
   * @param revision the source's revision that qualified
   * @param via {@code promote} or {@code apply}
   */
  record EnvPromoted(
      String service,
      String from,
      String to,
      int revision,
      Digest digest,
      java.time.Instant soakStart,
      Duration soak,
      List<String> evidence,
      String via)
      implements JournalEvent {
    public EnvPromoted {
      evidence = List.copyOf(evidence);
    }

    public String kind() {
      return "env-promoted";
    }

    public String subject() {
      return dev.kiln.model.Environment.qualify(to, service);
    }
  }

  /** A promotion the evidence did not support, with the reason and what was checked. */
  record PromotionRefused(
      String service,
      String from,
      String to,
      Optional<Integer> revision,
      Optional<Digest> digest,
      String reason,
      List<String> evidence,
      String via)
      implements JournalEvent {
    public PromotionRefused {
      evidence = List.copyOf(evidence);
    }

    public String kind() {
      return "promotion-refused";
    }

    public String subject() {
      return dev.kiln.model.Environment.qualify(to, service);
    }
  }

  /**
   * {@code kiln apply} checked a service's {@code route.tls} and the router is to serve it: the
   * public certificate chain as the client sent it (public, so journaled whole: a restarted server
   * or a restored snapshot serves it again), its leaf's SHA-256 fingerprint and expiry, and the
   * <em>name</em> of the secret holding the key. The key itself is never journaled.
   */
  record CertificateInstalled(
      String service,
      String host,
      String certFile,
      String fingerprint,
      java.time.Instant notAfter,
      String certSubject,
      String chainPem,
      String keySecret,
      boolean redirect,
      boolean hsts)
      implements JournalEvent {
    public String kind() {
      return "certificate-installed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * The service no longer has a {@code route.tls} (or left the blueprint): no more HTTPS for it.
   */
  record CertificateRemoved(String service, String fingerprint) implements JournalEvent {
    public String kind() {
      return "certificate-removed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * {@code kiln server --git}: a commit's blueprint was applied and its rollouts finished; the
   * fleet now follows this commit. {@code signer} is the allowed signer of the head (with {@code
   * --allowed-signers}); {@code revisions} the live revision of each service afterwards. Only
   * recorded once its rollouts succeeded, so the last one is the last good commit, after a restart
   * too.
   */
  record GitApplied(
      String commit,
      String branch,
      String author,
      Optional<String> signer,
      String path,
      Digest blueprint,
      SortedMap<String, Integer> revisions,
      String trigger)
      implements JournalEvent {
    public GitApplied {
      revisions = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(revisions));
    }

    public String kind() {
      return "git-applied";
    }

    public String subject() {
      return "git";
    }
  }

  /**
   * A new head was not applied, or not to the end: {@code commit} is the offending commit (an
   * unsigned one inside the range, or the head itself), {@code reason} one of unsigned,
   * bad-signature, not-fast-forward, invalid-blueprint, bake-failed, rollout-failed, and {@code
   * error} the located message. The fleet stays on the last good commit.
   */
  record GitRefused(String commit, String head, String reason, String error)
      implements JournalEvent {
    public String kind() {
      return "git-refused";
    }

    public String subject() {
      return "git";
    }
  }

  /**
   * The live blueprint is not the applied commit's (a manual {@code kiln apply} diverged from git):
   * reported, or reverted by re-applying the commit's blueprint ({@code --git-drift revert}).
   */
  record GitDrifted(String commit, Digest expected, Digest live, String response)
      implements JournalEvent {
    public String kind() {
      return "git-drifted";
    }

    public String subject() {
      return "git";
    }
  }

  /**
   * The blueprint's {@code notify:} webhooks changed (an apply): the complete new set. Each webhook
   * receives the matching entries after its {@code afterSeq}, which a webhook kept unchanged
   * carries over, so a re-apply neither repeats nor skips a delivery.
   */
  record NotifyConfigured(List<Webhook> webhooks) implements JournalEvent {
    public NotifyConfigured {
      webhooks = List.copyOf(webhooks);
    }

    public String kind() {
      return "notify-configured";
    }

    public String subject() {
      return "notify";
    }
  }

  /**
   * One webhook as the notifier knows it.
   *
   * @param id a digest of url, events and secret name: the same webhook across applies
   * @param secret the secret's name (its value is never journaled)
   * @param afterSeq it receives entries with a larger seq
   */
  record Webhook(String id, java.net.URI url, List<String> events, String secret, long afterSeq) {
    public Webhook {
      events = List.copyOf(events);
    }
  }

  /**
   * A journal entry ({@code delivery}, its seq) reached a webhook: the receiver's status and the
   * attempts it took. Only the URL's host is written here.
   */
  record NotifyDelivered(
      String webhook, String host, long delivery, String event, int status, int attempts)
      implements JournalEvent {
    public String kind() {
      return "notify-delivered";
    }

    public String subject() {
      return host;
    }
  }

  /**
   * A delivery failed for good: the last status (none if no answer came), the attempts made and
   * why. The entry is not delivered again.
   */
  record NotifyFailed(
      String webhook,
      String host,
      long delivery,
      String event,
      Optional<Integer> status,
      int attempts,
      String error)
      implements JournalEvent {
    public String kind() {
      return "notify-failed";
    }

    public String subject() {
      return host;
    }
  }
}
