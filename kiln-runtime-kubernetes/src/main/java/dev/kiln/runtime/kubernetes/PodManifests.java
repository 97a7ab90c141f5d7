package dev.kiln.runtime.kubernetes;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.StoredSpec;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirementBuilder;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodSecurityContextBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.SecurityContextBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The Kubernetes objects of an instance, as pure functions of its spec: no API calls here, so the
 * security settings are unit-tested on their own.
 *
 * <p>Why one bare Pod per instance, owned by a per-revision ReplicaSet that selects none of them:
 * each Kiln instance has its own id, port and secrets, and Kiln's rollouts decide exactly which
 * instance starts and which stops (a ReplicaSet scaled down picks its own victim). The ReplicaSet
 * carries the revision's pod template and is the pods' owner, so {@code kubectl get rs} lists the
 * revisions and deleting one garbage-collects its pods; its selector requires the instance label to
 * be absent, so the ReplicaSet controller never adopts, scales or deletes Kiln's pods. Kiln's
 * rollouts stay Kiln's.
 */
final class PodManifests {
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String OWNER = "kiln.dev/owner";
  static final String SERVICE = "kiln.dev/service";
  static final String REVISION = "kiln.dev/revision";
  static final String INSTANCE = "kiln.dev/instance";
  static final String SPEC = "kiln.dev/spec";
  static final String STARTED_AT = "kiln.dev/started-at";

  /** Keeps a stopped pod's object (and its exit status) until Kiln destroys the instance. */
  static final String KEEP_STATUS = "kiln.dev/keep-status";

  static final String CONTAINER = "app";
  private static final ObjectMapper JSON = new ObjectMapper();

  private PodManifests() {}

  static String podName(InstanceId id) {
    return "kiln-" + id.value();
  }

  static String secretName(InstanceId id) {
    return "kiln-" + id.value() + "-secrets";
  }

  static String replicaSetName(String service, int revision) {
    return "kiln-" + service + "-r" + revision;
  }

  static String claimName(String service, String volume) {
    return "kiln-" + service + "-" + volume.replace('_', '-').replace('.', '-');
  }

  static String imageRef(KubernetesSettings settings, InstanceSpec spec) {
    return settings.registry() + "/" + spec.service() + "@" + spec.image();
  }

  static Map<String, String> revisionLabels(KubernetesSettings settings, InstanceSpec spec) {
    Map<String, String> labels = new TreeMap<>();
    labels.put(MANAGED_BY, "kiln");
    labels.put(OWNER, settings.owner());
    labels.put(SERVICE, spec.service());
    labels.put(REVISION, Integer.toString(spec.revision()));
    return labels;
  }

  static Map<String, String> instanceLabels(KubernetesSettings settings, InstanceSpec spec) {
    Map<String, String> labels = revisionLabels(settings, spec);
    labels.put(INSTANCE, spec.id().value());
    return labels;
  }

  /** The revision's owner object: zero replicas, a selector no Kiln pod matches. */
  static ReplicaSet replicaSet(KubernetesSettings settings, InstanceSpec spec, ImageUser user) {
    Map<String, String> labels = revisionLabels(settings, spec);
    return new ReplicaSetBuilder()
        .withNewMetadata()
        .withName(replicaSetName(spec.service(), spec.revision()))
        .withNamespace(settings.namespace())
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withReplicas(0)
        .withSelector(
            new LabelSelectorBuilder()
                .withMatchLabels(labels)
                .withMatchExpressions(
                    new LabelSelectorRequirementBuilder()
                        .withKey(INSTANCE)
                        .withOperator("DoesNotExist")
                        .build())
                .build())
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withSpec(podSpec(settings, spec, user))
        .endTemplate()
        .endSpec()
        .build();
  }

  static Pod pod(
      KubernetesSettings settings,
      InstanceSpec spec,
      ImageUser user,
      ReplicaSet owner,
      Instant startedAt) {
    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(SPEC, specJson(spec));
    annotations.put(STARTED_AT, startedAt.toString());
    return new PodBuilder()
        .withNewMetadata()
        .withName(podName(spec.id()))
        .withNamespace(settings.namespace())
        .withLabels(instanceLabels(settings, spec))
        .withAnnotations(annotations)
        .withFinalizers(KEEP_STATUS)
        .withOwnerReferences(
            new OwnerReferenceBuilder()
                .withApiVersion("apps/v1")
                .withKind("ReplicaSet")
                .withName(owner.getMetadata().getName())
                .withUid(owner.getMetadata().getUid())
                .withController(false)
                .withBlockOwnerDeletion(false)
                .build())
        .endMetadata()
        .withSpec(podSpec(settings, spec, user))
        .build();
  }

  /** The instance's secret values, referenced by name from the pod; never in the pod spec. */
  static Secret secret(KubernetesSettings settings, InstanceSpec spec) {
    return new SecretBuilder()
        .withNewMetadata()
        .withName(secretName(spec.id()))
        .withNamespace(settings.namespace())
        .withLabels(instanceLabels(settings, spec))
        .endMetadata()
        .withType("Opaque")
        .withStringData(new TreeMap<>(spec.secrets()))
        .build();
  }

  static PersistentVolumeClaim claim(KubernetesSettings settings, String service, String volume) {
    return new PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(claimName(service, volume))
        .withNamespace(settings.namespace())
        .withLabels(Map.of(MANAGED_BY, "kiln", OWNER, settings.owner(), SERVICE, service))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withNewResources()
        .withRequests(Map.of("storage", new Quantity(settings.volumeSize())))
        .endResources()
        .endSpec()
        .build();
  }

  static PodSpec podSpec(KubernetesSettings settings, InstanceSpec spec, ImageUser user) {
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    // the root is read-only; /tmp is the one scratch space, in memory and bounded like docker's
    volumes.add(
        new VolumeBuilder()
            .withName("tmp")
            .withNewEmptyDir()
            .withMedium("Memory")
            .withSizeLimit(new Quantity("64Mi"))
            .endEmptyDir()
            .build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    spec.volumes()
        .forEach(
            (name, path) -> {
              String volume = "v-" + claimName(spec.service(), name).substring("kiln-".length());
              volumes.add(
                  new VolumeBuilder()
                      .withName(volume)
                      .withNewPersistentVolumeClaim()
                      .withClaimName(claimName(spec.service(), name))
                      .endPersistentVolumeClaim()
                      .build());
              mounts.add(new VolumeMountBuilder().withName(volume).withMountPath(path).build());
            });
    var podSecurity =
        new PodSecurityContextBuilder()
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile();
    if (user.nonRoot()) {
      podSecurity.withRunAsNonRoot(true).withRunAsUser(user.uid().getAsLong());
      user.gid().ifPresent(podSecurity::withRunAsGroup);
    }
    return new PodSpecBuilder()
        // an exited instance stays exited: Kiln replaces, the kubelet must not repair
        .withRestartPolicy("Never")
        .withTerminationGracePeriodSeconds(settings.stopGrace().toSeconds())
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withSecurityContext(podSecurity.build())
        .withContainers(container(settings, spec, user, mounts))
        .withVolumes(volumes)
        .build();
  }

  private static Container container(
      KubernetesSettings settings, InstanceSpec spec, ImageUser user, List<VolumeMount> mounts) {
    var security =
        new SecurityContextBuilder()
            .withReadOnlyRootFilesystem(true)
            .withAllowPrivilegeEscalation(false)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .withNewSeccompProfile()
            .withType("RuntimeDefault")
            .endSeccompProfile();
    if (user.nonRoot()) security.withRunAsNonRoot(true);
    var container =
        new ContainerBuilder()
            .withName(CONTAINER)
            .withImage(imageRef(settings, spec))
            .withImagePullPolicy("IfNotPresent")
            .withEnv(env(spec))
            .addNewPort()
            .withName("http")
            .withContainerPort(spec.port())
            .withProtocol("TCP")
            .endPort()
            .withNewReadinessProbe()
            .withNewTcpSocket()
            .withNewPort(spec.port())
            .endTcpSocket()
            .withPeriodSeconds(2)
            .endReadinessProbe()
            .withSecurityContext(security.build())
            .withVolumeMounts(mounts);
    // a given command replaces the image's entrypoint and cmd, as for the other runtimes
    if (!spec.command().isEmpty()) container.withCommand(spec.command()).withArgs(List.of());
    Map<String, Quantity> limits = limits(spec);
    if (!limits.isEmpty()) container.withNewResources().withLimits(limits).endResources();
    return container.build();
  }

  /** Memory and CPU map to {@code resources.limits}; Kubernetes has no per-container pid limit. */
  static Map<String, Quantity> limits(InstanceSpec spec) {
    Map<String, Quantity> limits = new TreeMap<>();
    if (spec.limits().memoryBytes() > 0) {
      limits.put("memory", new Quantity(Long.toString(spec.limits().memoryBytes())));
    }
    if (spec.limits().cpuMillis() > 0) {
      limits.put("cpu", new Quantity(spec.limits().cpuMillis() + "m"));
    }
    return limits;
  }

  private static List<EnvVar> env(InstanceSpec spec) {
    List<EnvVar> env = new ArrayList<>();
    spec.envWithPort().forEach((k, v) -> env.add(new EnvVar(k, v, null)));
    spec.secrets()
        .keySet()
        .forEach(
            name ->
                env.add(
                    new EnvVarBuilder()
                        .withName(name)
                        .withNewValueFrom()
                        .withNewSecretKeyRef()
                        .withName(secretName(spec.id()))
                        .withKey(name)
                        .endSecretKeyRef()
                        .endValueFrom()
                        .build()));
    return env;
  }

  static String specJson(InstanceSpec spec) {
    try {
      return JSON.writeValueAsString(StoredSpec.of(spec));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a stored spec is plain data", e);
    }
  }

  static StoredSpec storedSpec(@Nullable String json) {
    if (json == null) throw new KubernetesException("a pod has no " + SPEC + " annotation");
    try {
      return JSON.readValue(json, StoredSpec.class);
    } catch (JsonProcessingException e) {
      throw new KubernetesException(
          "a pod's " + SPEC + " annotation is not a Kiln spec (" + e.getOriginalMessage() + ")");
    }
  }
}
