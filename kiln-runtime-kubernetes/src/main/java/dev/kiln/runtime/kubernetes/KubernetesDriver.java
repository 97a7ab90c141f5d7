package dev.kiln.runtime.kubernetes;

import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.StopResult;
import dev.kiln.runtime.VerifiedBlobs;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.PodResource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The {@code kubernetes} runtime: each instance is a Pod (see {@link PodManifests} for the shape
 * and why), and the API server is the record of what runs: labels carry service, revision, instance
 * and owner, an annotation the spec (secret values excluded), so a new driver object adopts pods by
 * listing them. Secret values go into a Kubernetes Secret the pod references.
 *
 * <p>Stopping is a delete with the caller's grace period; the pod carries a finalizer of Kiln's so
 * that its object, with the container's exit status and logs, stays until {@link #destroy}: a
 * stopped instance is inspectable, as in the other runtimes.
 *
 * <p>Tested against the Kubernetes API's shape (fabric8's mock server plus a kubelet stand-in), not
 * against a real cluster.
 */
public final class KubernetesDriver implements RuntimeDriver {
  private static final Duration POLL = Duration.ofMillis(50);

  private final DriverContext context;
  private final KubernetesSettings settings;
  private final KubernetesClient client;

  public KubernetesDriver(DriverContext context) {
    this.context = context;
    this.settings = KubernetesSettings.from(context);
    Config config = config(settings);
    this.client = new KubernetesClientBuilder().withConfig(config).build();
    try {
      client.getKubernetesVersion();
    } catch (KubernetesClientException e) {
      client.close();
      throw new KubernetesException(
          "kubernetes runtime: no Kubernetes API answers at "
              + config.getMasterUrl()
              + " ("
              + e.getMessage()
              + "); set the api-server or kubeconfig option, or use the process runtime",
          e);
    }
  }

  private static Config config(KubernetesSettings settings) {
    Config base;
    if (settings.kubeconfig().isPresent()) {
      try {
        base = Config.fromKubeconfig(Files.readString(Path.of(settings.kubeconfig().get())));
      } catch (IOException e) {
        throw new KubernetesException(
            "kubernetes runtime: cannot read kubeconfig " + settings.kubeconfig().get() + ": " + e,
            e);
      }
    } else {
      base = Config.autoConfigure(null);
    }
    // a few quick retries: Kiln's executor retries failed steps itself, and a driver call that
    // hangs for tens of seconds on an unreachable API would stall a rollout instead of failing it
    ConfigBuilder builder =
        new ConfigBuilder(base)
            .withNamespace(settings.namespace())
            .withRequestRetryBackoffLimit(3)
            .withRequestRetryBackoffInterval(100);
    settings.apiServer().ifPresent(builder::withMasterUrl);
    return builder.build();
  }

  @Override
  public String name() {
    return "kubernetes";
  }

  @Override
  public Capabilities capabilities() {
    // exec needs the API's websocket streams: health checks use http or tcp probes instead
    return new Capabilities(
        Capabilities.Isolation.CONTAINER, true, true, true, true, true, false, true);
  }

  @Override
  public InstanceStatus start(InstanceSpec spec) {
    if (pod(spec.id()).get() != null) {
      throw new KubernetesException(
          "instance "
              + spec.id()
              + " already exists (pod "
              + PodManifests.podName(spec.id())
              + "); destroy it first or use a new instance id");
    }
    ImageUser user = ImageUser.of(verifiedImage(spec).runConfig().user());
    try {
      ReplicaSet owner = ensureReplicaSet(spec, user);
      for (String volume : spec.volumes().keySet()) {
        var claim = PodManifests.claim(settings, spec.service(), volume);
        var existing = client.persistentVolumeClaims().withName(claim.getMetadata().getName());
        if (existing.get() == null) client.persistentVolumeClaims().resource(claim).create();
      }
      if (!spec.secrets().isEmpty()) {
        client.secrets().resource(PodManifests.secret(settings, spec)).create();
      }
      Pod pod =
          client
              .pods()
              .resource(PodManifests.pod(settings, spec, user, owner, context.clock().instant()))
              .create();
      if (!spec.secrets().isEmpty()) ownSecret(spec.id(), pod);
      awaitStart(spec);
      return inspect(spec.id()).orElseThrow(() -> gone(spec.id()));
    } catch (KubernetesClientException | RuntimeDriverException e) {
      destroy(spec.id());
      throw e instanceof RuntimeDriverException r
          ? r
          : new KubernetesException(
              "instance " + spec.id() + ": the API server refused it: " + e.getMessage(), e);
    }
  }

  /** Opens the image and re-hashes every blob: a tampered or refused image never becomes a pod. */
  private ImageContent verifiedImage(InstanceSpec spec) {
    ImageContent image;
    try {
      image = context.images().open(spec.image());
    } catch (RuntimeDriverException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new KubernetesException(
          "instance " + spec.id() + ": image " + spec.image() + " refused: " + e.getMessage(), e);
    }
    try {
      for (ImageContent.Blob blob : image.layers()) {
        try (var in = VerifiedBlobs.openRaw(blob)) {
          VerifiedBlobs.drain(in);
        }
      }
      VerifiedBlobs.readAll(image.config());
    } catch (IOException e) {
      throw new KubernetesException(
          "instance " + spec.id() + ": image " + spec.image() + " refused: " + e.getMessage(), e);
    }
    return image;
  }

  private ReplicaSet ensureReplicaSet(InstanceSpec spec, ImageUser user) {
    var resource =
        client
            .apps()
            .replicaSets()
            .withName(PodManifests.replicaSetName(spec.service(), spec.revision()));
    ReplicaSet existing = resource.get();
    if (existing != null) return existing;
    return client
        .apps()
        .replicaSets()
        .resource(PodManifests.replicaSet(settings, spec, user))
        .create();
  }

  /** The pod owns its Secret, so deleting the pod (by anyone) garbage-collects the secret. */
  private void ownSecret(InstanceId id, Pod pod) {
    client
        .secrets()
        .withName(PodManifests.secretName(id))
        .edit(
            s -> {
              s.getMetadata()
                  .setOwnerReferences(
                      List.of(
                          new OwnerReferenceBuilder()
                              .withApiVersion("v1")
                              .withKind("Pod")
                              .withName(pod.getMetadata().getName())
                              .withUid(pod.getMetadata().getUid())
                              .build()));
              return s;
            });
  }

  private void awaitStart(InstanceSpec spec) {
    long deadline = System.nanoTime() + settings.startTimeout().toNanos();
    String last = "no status yet";
    while (System.nanoTime() < deadline) {
      Pod pod = pod(spec.id()).get();
      if (pod == null) throw gone(spec.id());
      switch (PodReading.start(pod)) {
        case PodReading.Start.Running r -> {
          return;
        }
        case PodReading.Start.Failed f ->
            throw new KubernetesException(
                "instance "
                    + spec.id()
                    + ": pod "
                    + PodManifests.podName(spec.id())
                    + " could not start "
                    + (spec.command().isEmpty() ? "the image's entrypoint" : spec.command())
                    + ": "
                    + f.why());
        case PodReading.Start.Pending p -> last = p.why();
      }
      pause();
    }
    throw new KubernetesException(
        "instance "
            + spec.id()
            + ": not running after "
            + settings.startTimeout().toSeconds()
            + "s ("
            + last
            + "); check `kubectl describe pod "
            + PodManifests.podName(spec.id())
            + "` or raise start-timeout-seconds");
  }

  @Override
  public Optional<InstanceStatus> inspect(InstanceId id) {
    return Optional.ofNullable(pod(id).get()).filter(this::owned).map(PodReading::status);
  }

  @Override
  public StopResult stop(InstanceId id, Duration grace) {
    Pod pod = Optional.ofNullable(pod(id).get()).filter(this::owned).orElseThrow(() -> gone(id));
    if (!PodReading.running(pod)) {
      return new StopResult(id, false, false, PodReading.exitCode(pod));
    }
    // Kubernetes counts grace in whole seconds, and 0 would mean "kill at once"
    long seconds = Math.max(1, (grace.toMillis() + 999) / 1000);
    pod(id).withGracePeriod(seconds).delete();
    // the kubelet kills at the end of the grace period; past that plus a margin, it is not there
    long deadline = System.nanoTime() + Duration.ofSeconds(seconds + 60).toNanos();
    Pod stopped = null;
    while (stopped == null) {
      Pod now = pod(id).get();
      if (now == null) return new StopResult(id, false, true, java.util.OptionalInt.empty());
      if (!PodReading.running(now) && PodReading.exitCode(now).isPresent()) stopped = now;
      else if (System.nanoTime() > deadline) {
        throw new KubernetesException(
            "instance "
                + id
                + ": pod "
                + PodManifests.podName(id)
                + " still runs "
                + (seconds + 60)
                + "s after its stop; is its node's kubelet down? (`kubectl describe pod`)");
      } else pause();
    }
    var exit = PodReading.exitCode(stopped);
    boolean killed = exit.isPresent() && exit.getAsInt() == PodReading.KILLED;
    return new StopResult(id, !killed, killed, exit);
  }

  /** Edits of a pod that another writer keeps updating: tries before the conflict is an error. */
  static final int CONFLICT_RETRIES = 5;

  @Override
  public void destroy(InstanceId id) {
    PodResource resource = pod(id);
    Pod pod = resource.get();
    if (pod != null && !owned(pod)) return;
    if (pod != null) {
      // an edit is a read and an update of that version: the kubelet updating the pod's status in
      // between makes it a 409 (object has been modified), so read it again and retry
      for (int attempt = 1; ; attempt++) {
        try {
          resource.edit(
              p -> new PodBuilder(p).editMetadata().withFinalizers().endMetadata().build());
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() == 404) break;
          if (e.getCode() != 409 || attempt >= CONFLICT_RETRIES) throw e;
        }
      }
      resource.withGracePeriod(0).delete();
    }
    client.secrets().withName(PodManifests.secretName(id)).delete();
    if (pod != null) dropEmptyRevision(pod);
  }

  /** The revision's ReplicaSet goes with its last pod. */
  private void dropEmptyRevision(Pod pod) {
    var labels = pod.getMetadata().getLabels();
    String service = labels.get(PodManifests.SERVICE);
    String revision = labels.get(PodManifests.REVISION);
    if (service == null || revision == null) return; // not a pod of a Kiln revision
    boolean others =
        client
            .pods()
            .withLabel(PodManifests.OWNER, settings.owner())
            .withLabel(PodManifests.SERVICE, service)
            .withLabel(PodManifests.REVISION, revision)
            .list()
            .getItems()
            .stream()
            .anyMatch(p -> !p.getMetadata().getName().equals(pod.getMetadata().getName()));
    if (!others) {
      client
          .apps()
          .replicaSets()
          .withName(PodManifests.replicaSetName(service, Integer.parseInt(revision)))
          .delete();
    }
  }

  @Override
  public List<InstanceStatus> list() {
    return client
        .pods()
        .withLabel(PodManifests.MANAGED_BY, "kiln")
        .withLabel(PodManifests.OWNER, settings.owner())
        .list()
        .getItems()
        .stream()
        .filter(this::owned)
        .map(PodReading::status)
        .sorted(Comparator.comparing(InstanceStatus::id))
        .toList();
  }

  @Override
  public String logs(InstanceId id, int maxBytes) {
    if (inspect(id).isEmpty()) throw gone(id);
    String log;
    try {
      log = pod(id).getLog();
    } catch (KubernetesClientException e) {
      throw new KubernetesException(
          "instance " + id + ": the API server gave no log (" + e.getMessage() + ")", e);
    }
    byte[] bytes = log == null ? new byte[0] : log.getBytes(StandardCharsets.UTF_8);
    int from = Math.max(0, bytes.length - maxBytes);
    return new String(bytes, from, bytes.length - from, StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    client.close();
  }

  private PodResource pod(InstanceId id) {
    return client.pods().withName(PodManifests.podName(id));
  }

  private boolean owned(Pod pod) {
    var labels = pod.getMetadata().getLabels();
    return labels != null
        && settings.owner().equals(labels.get(PodManifests.OWNER))
        && pod.getMetadata().getAnnotations() != null
        && pod.getMetadata().getAnnotations().containsKey(PodManifests.SPEC);
  }

  private static void pause() {
    try {
      Thread.sleep(POLL.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KubernetesException("interrupted while waiting for a pod");
    }
  }

  private static KubernetesException gone(InstanceId id) {
    return new KubernetesException("no instance " + id + " in the kubernetes runtime");
  }
}
