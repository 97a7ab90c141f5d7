package dev.kiln.runtime.kubernetes;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A kubelet in miniature for fabric8's mock API server: it syncs the pods it finds, runs each one's
 * image through the {@code process} runtime (bubblewrap, read-only root) on loopback, and writes
 * the pod's status back as a kubelet would — phase, {@code podIP 127.0.0.1}, the container's
 * running/terminated state and readiness from its TCP readiness probe. A pod marked for deletion is
 * stopped with the delete's grace period; a pod gone from the API has its process destroyed.
 *
 * <p>It is a test double of the node, not of Kubernetes: no scheduling, no image pull (images come
 * by digest from the test's image source), no cgroups.
 */
final class KubeletStandIn implements AutoCloseable {
  private final KubernetesClient client;
  private final RuntimeDriver node;
  private final KubeletEndpoints endpoints;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final ExecutorService workers = Executors.newCachedThreadPool();
  private final Map<String, PodState> pods = new ConcurrentHashMap<>();

  private static final class PodState {
    final InstanceId id;
    volatile boolean started;
    // set once the Running status is written, so that later writes never race with it
    volatile boolean running;
    volatile boolean ready;
    volatile boolean stopping;
    volatile boolean terminated;

    PodState(InstanceId id) {
      this.id = id;
    }
  }

  KubeletStandIn(KubernetesClient client, RuntimeDriver node, KubeletEndpoints endpoints) {
    this.client = client;
    this.node = node;
    this.endpoints = endpoints;
    endpoints.serveLogsFrom(this::logs);
    loop.scheduleWithFixedDelay(this::syncQuietly, 0, 50, TimeUnit.MILLISECONDS);
  }

  private Optional<String> logs(String namespace, String name) {
    PodState state = pods.get(namespace + "/" + name);
    if (state == null || !state.started) return Optional.empty();
    return Optional.of(node.logs(state.id, 1 << 20));
  }

  private void syncQuietly() {
    try {
      sync();
    } catch (RuntimeException e) {
      // the next sync retries, as the kubelet's loop does
      System.err.println("kubelet stand-in: sync failed, retrying: " + e);
    }
  }

  private void sync() {
    Set<String> seen = new HashSet<>();
    for (Pod pod : client.pods().inAnyNamespace().list().getItems()) {
      String key = pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
      seen.add(key);
      String instance = pod.getMetadata().getLabels().get(PodManifests.INSTANCE);
      if (instance == null) continue;
      PodState state = pods.computeIfAbsent(key, k -> new PodState(InstanceId.of(instance)));
      if (pod.getMetadata().getDeletionTimestamp() != null) {
        if (state.started && !state.terminated && !state.stopping) {
          state.stopping = true;
          workers.submit(() -> stop(pod, state));
        }
      } else if (!state.started) {
        state.started = true;
        workers.submit(() -> start(pod, state));
      } else if (state.running && !state.terminated && !state.stopping) {
        observe(pod, state);
      }
    }
    for (String key : new ArrayList<>(pods.keySet())) {
      if (!seen.contains(key)) {
        PodState gone = pods.remove(key);
        workers.submit(() -> node.destroy(gone.id));
      }
    }
  }

  private void start(Pod pod, PodState state) {
    try {
      InstanceSpec spec = instanceSpec(pod, state.id);
      node.start(spec);
      writeStatus(
          pod,
          new PodStatusBuilder()
              .withPhase("Running")
              .withPodIP("127.0.0.1")
              .withHostIP("127.0.0.1")
              .withStartTime(now())
              .withContainerStatuses(
                  new ContainerStatusBuilder()
                      .withName(PodManifests.CONTAINER)
                      .withImage(container(pod).getImage())
                      .withReady(false)
                      .withStarted(true)
                      .withNewState()
                      .withNewRunning(now())
                      .endState()
                      .build())
              .build());
      state.running = true;
    } catch (RuntimeDriverException | IllegalArgumentException e) {
      state.terminated = true;
      writeStatus(pod, terminated(pod, "Failed", "StartError", 128, e.getMessage()));
    }
  }

  private void observe(Pod pod, PodState state) {
    var status = node.inspect(state.id);
    if (status.isEmpty()) return;
    if (!status.get().running()) {
      state.terminated = true;
      int code = status.get().exitCode().orElse(255);
      writeStatus(
          pod,
          terminated(
              pod,
              code == 0 ? "Succeeded" : "Failed",
              code == 0 ? "Completed" : "Error",
              code,
              null));
    } else if (!state.ready && tcpReady(status.get().spec().port())) {
      state.ready = true;
      client
          .pods()
          .inNamespace(pod.getMetadata().getNamespace())
          .withName(pod.getMetadata().getName())
          .editStatus(
              p -> {
                p.getStatus().getContainerStatuses().forEach(c -> c.setReady(true));
                p.getStatus()
                    .setConditions(
                        List.of(
                            new PodConditionBuilder()
                                .withType("Ready")
                                .withStatus("True")
                                .build()));
                return p;
              });
    }
  }

  private void stop(Pod pod, PodState state) {
    long grace =
        endpoints
            .deletionGrace(pod.getMetadata().getNamespace(), pod.getMetadata().getName())
            .orElse(pod.getSpec().getTerminationGracePeriodSeconds());
    var result = node.stop(state.id, Duration.ofSeconds(grace));
    int code = result.killed() ? PodReading.KILLED : result.exitCode().orElse(0);
    state.terminated = true;
    writeStatus(pod, terminated(pod, "Failed", code == 0 ? "Completed" : "Error", code, null));
  }

  private io.fabric8.kubernetes.api.model.PodStatus terminated(
      Pod pod, String phase, String reason, int code, String message) {
    return new PodStatusBuilder()
        .withPhase(phase)
        .withPodIP("127.0.0.1")
        .withContainerStatuses(
            new ContainerStatusBuilder()
                .withName(PodManifests.CONTAINER)
                .withImage(container(pod).getImage())
                .withReady(false)
                .withNewState()
                .withNewTerminated()
                .withExitCode(code)
                .withReason(reason)
                .withMessage(message)
                .withFinishedAt(now())
                .endTerminated()
                .endState()
                .build())
        .build();
  }

  private void writeStatus(Pod pod, io.fabric8.kubernetes.api.model.PodStatus status) {
    client
        .pods()
        .inNamespace(pod.getMetadata().getNamespace())
        .withName(pod.getMetadata().getName())
        .editStatus(
            p -> {
              p.setStatus(status);
              return p;
            });
  }

  /** The pod as the process runtime's spec: env and secrets resolved as the kubelet would. */
  private InstanceSpec instanceSpec(Pod pod, InstanceId id) {
    String namespace = pod.getMetadata().getNamespace();
    Container c = container(pod);
    Map<String, String> env = new LinkedHashMap<>();
    Map<String, String> secrets = new LinkedHashMap<>();
    for (EnvVar e : c.getEnv()) {
      if (e.getValueFrom() != null && e.getValueFrom().getSecretKeyRef() != null) {
        var ref = e.getValueFrom().getSecretKeyRef();
        secrets.put(e.getName(), secretValue(namespace, ref.getName(), ref.getKey()));
      } else if (!"PORT".equals(e.getName())) {
        env.put(e.getName(), e.getValue());
      }
    }
    Map<String, String> volumes = new LinkedHashMap<>();
    for (var mount : c.getVolumeMounts()) {
      Volume v =
          pod.getSpec().getVolumes().stream()
              .filter(x -> x.getName().equals(mount.getName()))
              .findFirst()
              .orElseThrow();
      if (v.getPersistentVolumeClaim() != null) {
        volumes.put(v.getPersistentVolumeClaim().getClaimName(), mount.getMountPath());
      }
    }
    Map<String, Quantity> limits =
        c.getResources() == null || c.getResources().getLimits() == null
            ? Map.of()
            : c.getResources().getLimits();
    long memory =
        limits.containsKey("memory")
            ? limits.get("memory").getNumericalAmount().longValueExact()
            : 0;
    int cpu =
        limits.containsKey("cpu")
            ? limits.get("cpu").getNumericalAmount().movePointRight(3).intValue()
            : 0;
    String image = c.getImage();
    var labels = pod.getMetadata().getLabels();
    return new InstanceSpec(
        id,
        labels.get(PodManifests.SERVICE),
        Integer.parseInt(labels.get(PodManifests.REVISION)),
        Digest.parse(image.substring(image.indexOf('@') + 1)),
        c.getCommand() == null ? List.of() : c.getCommand(),
        env,
        secrets,
        c.getPorts().getFirst().getContainerPort(),
        volumes,
        new Resources(memory, cpu, 0),
        Map.of());
  }

  private String secretValue(String namespace, String name, String key) {
    Secret secret = client.secrets().inNamespace(namespace).withName(name).get();
    if (secret == null) throw new RuntimeDriverException("secret " + name + " not found");
    if (secret.getStringData() != null && secret.getStringData().containsKey(key)) {
      return secret.getStringData().get(key);
    }
    return new String(
        Base64.getDecoder().decode(secret.getData().get(key)), StandardCharsets.UTF_8);
  }

  private static Container container(Pod pod) {
    return pod.getSpec().getContainers().getFirst();
  }

  private static boolean tcpReady(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static String now() {
    return Clock.systemUTC().instant().toString();
  }

  @Override
  public void close() {
    loop.shutdownNow();
    workers.shutdownNow();
    for (PodState state : pods.values()) node.destroy(state.id);
    node.close();
  }
}
