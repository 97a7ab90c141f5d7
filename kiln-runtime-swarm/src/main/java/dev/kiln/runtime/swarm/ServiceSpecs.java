package dev.kiln.runtime.swarm;

import com.github.dockerjava.api.model.ContainerSpec;
import com.github.dockerjava.api.model.ContainerSpecFile;
import com.github.dockerjava.api.model.ContainerSpecSecret;
import com.github.dockerjava.api.model.EndpointResolutionMode;
import com.github.dockerjava.api.model.EndpointSpec;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.NetworkAttachmentConfig;
import com.github.dockerjava.api.model.ResourceRequirements;
import com.github.dockerjava.api.model.ResourceSpecs;
import com.github.dockerjava.api.model.ServiceModeConfig;
import com.github.dockerjava.api.model.ServicePlacement;
import com.github.dockerjava.api.model.ServiceReplicatedModeOptions;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceRestartPolicy;
import com.github.dockerjava.api.model.ServiceSpec;
import com.github.dockerjava.api.model.TaskSpec;
import com.github.dockerjava.api.model.TmpfsOptions;
import com.github.dockerjava.api.model.UpdateConfig;
import com.github.dockerjava.api.model.UpdateFailureAction;
import com.github.dockerjava.api.model.UpdateOrder;
import dev.kiln.runtime.InstanceSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An instance as a swarm service: one replica, never restarted by the swarm (Kiln replaces, the
 * swarm does not repair), on the node's host network with DNS round-robin endpoints (no ingress
 * VIP: Kiln's router balances), a read-only root with a tmpfs /tmp, labels that let a new driver
 * adopt it, and secrets as swarm secrets mounted under {@code /run/secrets}, never in env or image.
 *
 * <p>No-new-privileges cannot be set per service through the Engine API of Docker 20.10; swarm
 * nodes run {@code dockerd --no-new-privileges}, which applies it to every container (the swarm
 * tests check it inside an instance).
 */
final class ServiceSpecs {
  static final String LABEL_INSTANCE = "dev.kiln.instance";
  static final String LABEL_SERVICE = "dev.kiln.service";
  static final String LABEL_HOME = "dev.kiln.home";
  static final String LABEL_SPEC = "dev.kiln.spec";
  static final String LABEL_SECRET = "dev.kiln.secret";
  static final String SECRETS_DIR = "/run/secrets/";

  /** A constraint no node meets: a stopped instance's service waits behind it, never placed. */
  static final String PARKED = "node.labels.dev.kiln.parked==true";

  private ServiceSpecs() {}

  static String serviceName(InstanceSpec spec) {
    return "kiln-" + spec.id().value();
  }

  /** Swarm secret names are global and at most 64 characters: a hash of instance and name. */
  static String secretName(InstanceSpec spec, String name) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256")
              .digest((spec.id().value() + "/" + name).getBytes(StandardCharsets.UTF_8));
      return "kiln-" + HexFormat.of().formatHex(h, 0, 16);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * @param argv what the image runs for this spec (its command, or entrypoint + cmd)
   * @param secretIds swarm secret id by the instance's secret name
   */
  static ServiceSpec of(
      InstanceSpec spec,
      String imageRef,
      List<String> argv,
      Map<String, String> secretIds,
      String home,
      String startedAt,
      Duration stopGrace) {
    List<Mount> mounts = new ArrayList<>();
    mounts.add(
        new Mount()
            .withType(MountType.TMPFS)
            .withTarget("/tmp")
            .withTmpfsOptions(new TmpfsOptions().withSizeBytes(64L << 20)));
    // node-local named volumes: they persist on the node, but do not follow an instance that the
    // swarm places on another node (so the capability is not claimed)
    spec.volumes()
        .forEach(
            (name, path) ->
                mounts.add(
                    new Mount()
                        .withType(MountType.VOLUME)
                        .withSource("kiln-" + spec.service() + "-" + name)
                        .withTarget(path)));
    ContainerSpec container =
        new ContainerSpec()
            .withImage(imageRef)
            .withEnv(env(spec))
            .withReadOnly(true)
            // an init as PID 1 passes the stop signal on: a process without a handler for it then
            // exits on it, as it would outside a container, instead of waiting for the kill
            .withInit(true)
            .withMounts(mounts)
            .withLabels(Map.of(LABEL_INSTANCE, spec.id().value()))
            .withStopGracePeriod(stopGrace.toNanos());
    if (!secretIds.isEmpty()) {
      List<ContainerSpecSecret> secrets = new ArrayList<>();
      secretIds.forEach(
          (name, id) ->
              secrets.add(
                  new ContainerSpecSecret()
                      .withSecretId(id)
                      .withSecretName(secretName(spec, name))
                      .withFile(
                          new ContainerSpecFile()
                              .withName(name)
                              .withUid("0")
                              .withGid("0")
                              .withMode(0444L))));
      container.withSecrets(secrets);
      container.withCommand(secretsWrapper(spec.secrets().keySet())).withArgs(argv);
    } else if (!spec.command().isEmpty()) {
      // a given command replaces entrypoint and cmd, as for the other runtimes
      container.withCommand(spec.command()).withArgs(List.of());
    }
    ResourceSpecs limits = new ResourceSpecs();
    if (spec.limits().memoryBytes() > 0) limits.withMemoryBytes(spec.limits().memoryBytes());
    if (spec.limits().cpuMillis() > 0) limits.withNanoCPUs(spec.limits().cpuMillis() * 1_000_000L);
    TaskSpec task =
        new TaskSpec()
            .withContainerSpec(container)
            // no restart; and no delay, which the swarm also applies when a stop parks the service
            .withRestartPolicy(
                new ServiceRestartPolicy()
                    .withCondition(ServiceRestartCondition.NONE)
                    .withDelay(0L))
            .withResources(new ResourceRequirements().withLimits(limits))
            .withPlacement(new ServicePlacement().withConstraints(List.of()))
            .withNetworks(List.of(new NetworkAttachmentConfig().withTarget("host")));
    return new ServiceSpec()
        .withName(serviceName(spec))
        .withLabels(labels(spec, home, startedAt))
        .withTaskTemplate(task)
        .withMode(
            new ServiceModeConfig()
                .withReplicated(new ServiceReplicatedModeOptions().withReplicas(1)))
        .withUpdateConfig(
            new UpdateConfig()
                .withParallelism(1L)
                .withOrder(UpdateOrder.STOP_FIRST)
                .withFailureAction(UpdateFailureAction.CONTINUE))
        .withEndpointSpec(new EndpointSpec().withMode(EndpointResolutionMode.DNSRR));
  }

  /**
   * The same service, stopped: its task gets the stop signal, and the replacement task the update
   * creates waits forever behind {@link #PARKED}. Unlike scaling to zero, this keeps the stopped
   * task, its exit code and its log. The kill comes after the grace period the task was created
   * with: a running task's spec cannot be changed.
   */
  static ServiceSpec parked(ServiceSpec current) {
    TaskSpec task = current.getTaskTemplate();
    task.withPlacement(new ServicePlacement().withConstraints(List.of(PARKED)));
    return current.withTaskTemplate(task);
  }

  /**
   * Exports each secret file as the env variable of its name, then runs the real argv: the process
   * sees secrets as env (as with the other runtimes) while the engine and the service spec only
   * hold a secret reference. Names are env names (checked by {@link InstanceSpec}), safe to quote.
   */
  static List<String> secretsWrapper(Iterable<String> names) {
    StringBuilder script = new StringBuilder();
    for (String name : names) {
      script
          .append("export ")
          .append(name)
          .append("=\"$(cat ")
          .append(SECRETS_DIR)
          .append(name)
          .append(")\"; ");
    }
    script.append("exec \"$@\"");
    return List.of("/bin/sh", "-c", script.toString(), "kiln-secrets");
  }

  private static List<String> env(InstanceSpec spec) {
    List<String> env = new ArrayList<>();
    spec.envWithPort().forEach((k, v) -> env.add(k + "=" + v));
    return env;
  }

  private static Map<String, String> labels(InstanceSpec spec, String home, String startedAt) {
    Map<String, String> labels = new LinkedHashMap<>();
    spec.labels().forEach((k, v) -> labels.put("dev.kiln.label." + k, v));
    labels.put(LABEL_INSTANCE, spec.id().value());
    labels.put(LABEL_SERVICE, spec.service());
    labels.put("dev.kiln.revision", Integer.toString(spec.revision()));
    labels.put("dev.kiln.image", spec.image().toString());
    labels.put(LABEL_HOME, home);
    labels.put(LABEL_SPEC, ServiceRecord.of(spec, startedAt).toJson());
    return labels;
  }
}
