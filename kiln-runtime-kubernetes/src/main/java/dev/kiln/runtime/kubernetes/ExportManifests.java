package dev.kiln.runtime.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ProbeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeBuilder;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeMountBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The live fleet as plain manifests for a team handing over to Argo CD (or any GitOps tool): per
 * service a Deployment at its live revision (image by digest, env, secrets as references, health as
 * probes, the same hardening as the kubernetes runtime's pods), a Service, and a claim per volume.
 * Pure and deterministic: the same fleet gives the same bytes, one file per object.
 *
 * <p>Secret values never reach Kiln's control plane, so none are exported: the Deployment refers to
 * a Secret {@code <service>-secrets} the team creates (its key names are in the annotation {@code
 * kiln.dev/required-secrets}).
 */
public final class ExportManifests {
  /** The port every exported container listens on, given to it as {@code PORT} as Kiln does. */
  public static final int PORT = 8080;

  private ExportManifests() {}

  /**
   * File name to YAML, sorted by file name.
   *
   * @param registry prefixes the image as {@code <registry>/<service>@<digest>}; empty leaves the
   *     repository as the service's name
   */
  public static SortedMap<String, String> render(
      List<ExportedService> services, Optional<String> registry) {
    SortedMap<String, String> files = new TreeMap<>();
    for (ExportedService s : services) {
      for (HasMetadata object : objects(s, registry)) {
        String file =
            s.name() + "/" + object.getKind().toLowerCase() + "-" + object.getMetadata().getName();
        if (files.put(file + ".yaml", Serialization.asYaml(object)) != null) {
          throw new IllegalArgumentException("service " + s.name() + " is listed twice");
        }
      }
    }
    return files;
  }

  static List<HasMetadata> objects(ExportedService s, Optional<String> registry) {
    List<HasMetadata> objects = new ArrayList<>();
    objects.add(deployment(s, registry));
    objects.add(service(s));
    volumes(s).forEach((volume, path) -> objects.add(claim(s, volume)));
    return objects;
  }

  private static Map<String, String> labels(ExportedService s) {
    return new TreeMap<>(Map.of("app.kubernetes.io/name", s.name()));
  }

  static Deployment deployment(ExportedService s, Optional<String> registry) {
    String image = registry.map(r -> r.replaceAll("/+$", "") + "/").orElse("") + s.name();
    List<Volume> volumes = new ArrayList<>();
    List<VolumeMount> mounts = new ArrayList<>();
    volumes.add(
        new VolumeBuilder()
            .withName("tmp")
            .withNewEmptyDir()
            .withMedium("Memory")
            .withSizeLimit(new Quantity("64Mi"))
            .endEmptyDir()
            .build());
    mounts.add(new VolumeMountBuilder().withName("tmp").withMountPath("/tmp").build());
    volumes(s)
        .forEach(
            (volume, path) -> {
              volumes.add(
                  new VolumeBuilder()
                      .withName("v-" + dnsName(volume))
                      .withNewPersistentVolumeClaim()
                      .withClaimName(claimName(s, volume))
                      .endPersistentVolumeClaim()
                      .build());
              mounts.add(
                  new VolumeMountBuilder()
                      .withName("v-" + dnsName(volume))
                      .withMountPath(path)
                      .build());
            });
    var container =
        new ContainerBuilder()
            .withName(s.name())
            .withImage(image + "@" + s.image())
            .withEnv(env(s))
            .addNewPort()
            .withName("http")
            .withContainerPort(PORT)
            .withProtocol("TCP")
            .endPort()
            .withNewSecurityContext()
            .withReadOnlyRootFilesystem(true)
            .withAllowPrivilegeEscalation(false)
            .withNewCapabilities()
            .withDrop("ALL")
            .endCapabilities()
            .endSecurityContext()
            .withVolumeMounts(mounts);
    health(s)
        .ifPresent(h -> container.withReadinessProbe(h.readiness()).withStartupProbe(h.startup()));
    Map<String, String> annotations = new TreeMap<>();
    annotations.put("kiln.dev/revision", Integer.toString(s.revision()));
    secrets(s)
        .ifPresent(
            names -> annotations.put("kiln.dev/required-secrets", secretName(s) + ": " + names));
    return new DeploymentBuilder()
        .withNewMetadata()
        .withName(s.name())
        .withLabels(labels(s))
        .withAnnotations(annotations)
        .endMetadata()
        .withNewSpec()
        .withReplicas(s.replicas())
        .withNewSelector()
        .withMatchLabels(labels(s))
        .endSelector()
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels(s))
        .endMetadata()
        .withNewSpec()
        .withAutomountServiceAccountToken(false)
        .withEnableServiceLinks(false)
        .withNewSecurityContext()
        .withNewSeccompProfile()
        .withType("RuntimeDefault")
        .endSeccompProfile()
        .endSecurityContext()
        .withContainers(container.build())
        .withVolumes(volumes)
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  static Service service(ExportedService s) {
    return new ServiceBuilder()
        .withNewMetadata()
        .withName(s.name())
        .withLabels(labels(s))
        .endMetadata()
        .withNewSpec()
        .withSelector(labels(s))
        .addNewPort()
        .withName("http")
        .withPort(80)
        .withTargetPort(new IntOrString("http"))
        .withProtocol("TCP")
        .endPort()
        .endSpec()
        .build();
  }

  static PersistentVolumeClaim claim(ExportedService s, String volume) {
    return new io.fabric8.kubernetes.api.model.PersistentVolumeClaimBuilder()
        .withNewMetadata()
        .withName(claimName(s, volume))
        .withLabels(labels(s))
        .endMetadata()
        .withNewSpec()
        .withAccessModes("ReadWriteOnce")
        .withNewResources()
        .withRequests(Map.of("storage", new Quantity("1Gi")))
        .endResources()
        .endSpec()
        .build();
  }

  private static List<EnvVar> env(ExportedService s) {
    List<EnvVar> env = new ArrayList<>();
    s.config()
        .forEach(
            (k, v) -> {
              if (k.startsWith("env.")) env.add(new EnvVar(k.substring(4), v, null));
            });
    env.add(new EnvVar("PORT", Integer.toString(PORT), null));
    secrets(s).stream()
        .flatMap(names -> Arrays.stream(names.split(",")))
        .map(String::strip)
        .filter(n -> !n.isEmpty())
        .forEach(
            name ->
                env.add(
                    new EnvVarBuilder()
                        .withName(name)
                        .withNewValueFrom()
                        .withNewSecretKeyRef()
                        .withName(secretName(s))
                        .withKey(name)
                        .endSecretKeyRef()
                        .endValueFrom()
                        .build()));
    return env;
  }

  private static Optional<String> secrets(ExportedService s) {
    return Optional.ofNullable(s.config().get("secrets")).filter(v -> !v.isBlank());
  }

  private static SortedMap<String, String> volumes(ExportedService s) {
    SortedMap<String, String> volumes = new TreeMap<>();
    s.config()
        .forEach(
            (k, v) -> {
              if (k.startsWith("volumes.")) volumes.put(k.substring("volumes.".length()), v);
            });
    return volumes;
  }

  static String secretName(ExportedService s) {
    return s.name() + "-secrets";
  }

  static String claimName(ExportedService s, String volume) {
    return s.name() + "-" + dnsName(volume);
  }

  private static String dnsName(String volume) {
    return volume.replace('_', '-').replace('.', '-');
  }

  /** Kiln's health check as a readiness probe, with its start deadline as a startup probe. */
  record Probes(Probe readiness, Probe startup) {}

  /**
   * Parses the API's health description ({@code http PATH CODE | tcp | exec CMD...}, then {@code
   * key=ISO-duration|count} settings).
   */
  static Optional<Probes> health(ExportedService s) {
    String health = s.config().get("health");
    if (health == null || health.isBlank()) return Optional.empty();
    List<String> words = new ArrayList<>(Arrays.asList(health.strip().split("\\s+")));
    Map<String, String> settings = new TreeMap<>();
    while (!words.isEmpty() && words.getLast().contains("=")) {
      String[] kv = words.removeLast().split("=", 2);
      settings.put(kv[0], kv[1]);
    }
    Duration interval = duration(s, settings, "interval", Duration.ofSeconds(1));
    Duration timeout = duration(s, settings, "timeout", Duration.ofSeconds(1));
    Duration deadline = duration(s, settings, "start-deadline", Duration.ofSeconds(60));
    ProbeBuilder probe = new ProbeBuilder();
    switch (words.isEmpty() ? "" : words.getFirst()) {
      case "http" -> {
        if (words.size() < 2) throw badHealth(s, health);
        probe
            .withNewHttpGet()
            .withPath(words.get(1))
            .withPort(new IntOrString("http"))
            .endHttpGet();
      }
      case "tcp" -> probe.withNewTcpSocket().withPort(new IntOrString("http")).endTcpSocket();
      case "exec" -> {
        if (words.size() < 2) throw badHealth(s, health);
        probe.withNewExec().withCommand(words.subList(1, words.size())).endExec();
      }
      default -> throw badHealth(s, health);
    }
    int period = (int) Math.max(1, interval.toSeconds());
    int timeoutSeconds = (int) Math.max(1, timeout.toSeconds());
    Probe readiness =
        new ProbeBuilder(probe.build())
            .withPeriodSeconds(period)
            .withTimeoutSeconds(timeoutSeconds)
            .withSuccessThreshold(count(s, settings, "healthy"))
            .withFailureThreshold(count(s, settings, "unhealthy"))
            .build();
    Probe startup =
        new ProbeBuilder(probe.build())
            .withPeriodSeconds(period)
            .withTimeoutSeconds(timeoutSeconds)
            .withFailureThreshold((int) Math.max(1, (deadline.toSeconds() + period - 1) / period))
            .build();
    return Optional.of(new Probes(readiness, startup));
  }

  private static Duration duration(
      ExportedService s, Map<String, String> settings, String key, Duration fallback) {
    String v = settings.get(key);
    if (v == null) return fallback;
    try {
      return Duration.parse(v);
    } catch (RuntimeException e) {
      throw badHealth(s, key + "=" + v);
    }
  }

  private static int count(ExportedService s, Map<String, String> settings, String key) {
    String v = settings.getOrDefault(key, "1");
    try {
      return Math.max(1, Integer.parseInt(v));
    } catch (NumberFormatException e) {
      throw badHealth(s, key + "=" + v);
    }
  }

  private static KubernetesException badHealth(ExportedService s, String what) {
    return new KubernetesException(
        "service "
            + s.name()
            + " revision "
            + s.revision()
            + ": cannot read its health check '"
            + what
            + "' (expected http PATH CODE | tcp | exec CMD, then key=value settings)");
  }
}
