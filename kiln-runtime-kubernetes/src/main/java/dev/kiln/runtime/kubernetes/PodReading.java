package dev.kiln.runtime.kubernetes;

import dev.kiln.runtime.InstanceStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/** Reads a Kiln pod's status as the runtime SPI sees an instance: pure, so unit-tested alone. */
final class PodReading {
  /** Waiting reasons after which the container will never start (restartPolicy Never). */
  private static final Set<String> FATAL_WAITING =
      Set.of(
          "CreateContainerError",
          "CreateContainerConfigError",
          "RunContainerError",
          "ErrImagePull",
          "ImagePullBackOff",
          "ErrImageNeverPull",
          "InvalidImageName");

  /** Terminated reasons that mean the process never ran. */
  private static final Set<String> NEVER_RAN = Set.of("StartError", "ContainerCannotRun");

  /** Exit code of a process ended by SIGKILL (128 + 9): the grace period ran out. */
  static final int KILLED = 137;

  private PodReading() {}

  /** Where a starting pod stands. */
  sealed interface Start {
    record Pending(String why) implements Start {}

    record Running() implements Start {}

    record Failed(String why) implements Start {}
  }

  static Start start(Pod pod) {
    Optional<ContainerStatus> status = container(pod);
    if (status.isPresent() && status.get().getState() != null) {
      var state = status.get().getState();
      if (state.getRunning() != null) return new Start.Running();
      ContainerStateTerminated t = state.getTerminated();
      if (t != null) {
        return NEVER_RAN.contains(t.getReason())
            ? new Start.Failed(describe(t.getReason(), t.getMessage()))
            : new Start.Running(); // it ran, and has already exited
      }
      ContainerStateWaiting w = state.getWaiting();
      if (w != null && FATAL_WAITING.contains(w.getReason())) {
        return new Start.Failed(describe(w.getReason(), w.getMessage()));
      }
    }
    String phase = phase(pod);
    if ("Failed".equals(phase)) {
      return new Start.Failed(describe(pod.getStatus().getReason(), pod.getStatus().getMessage()));
    }
    return new Start.Pending("pod " + pod.getMetadata().getName() + " is " + phase);
  }

  static boolean running(Pod pod) {
    Optional<ContainerStatus> status = container(pod);
    if (status.isEmpty() || status.get().getState() == null) {
      // not started yet: Pending counts as running, as a just-started process does
      return !"Succeeded".equals(phase(pod)) && !"Failed".equals(phase(pod));
    }
    return status.get().getState().getTerminated() == null
        && !"Succeeded".equals(phase(pod))
        && !"Failed".equals(phase(pod));
  }

  static OptionalInt exitCode(Pod pod) {
    return container(pod)
        .map(ContainerStatus::getState)
        .map(s -> s.getTerminated())
        .map(t -> t.getExitCode())
        .map(OptionalInt::of)
        .orElse(OptionalInt.empty());
  }

  static InstanceStatus status(Pod pod) {
    var meta = pod.getMetadata();
    var spec = PodManifests.storedSpec(meta.getAnnotations().get(PodManifests.SPEC)).spec();
    Instant startedAt = Instant.parse(meta.getAnnotations().get(PodManifests.STARTED_AT));
    boolean running = running(pod);
    String ip =
        pod.getStatus() == null || pod.getStatus().getPodIP() == null
            ? "no IP yet"
            : "ip " + pod.getStatus().getPodIP();
    return new InstanceStatus(
        spec,
        running ? InstanceStatus.State.RUNNING : InstanceStatus.State.EXITED,
        startedAt,
        running ? OptionalInt.empty() : exitCode(pod),
        Optional.of("pod " + meta.getName() + " " + phase(pod) + ", " + ip),
        // the router and the probes reach a pod at its IP (loopback ones stay on this host)
        Optional.ofNullable(pod.getStatus() == null ? null : pod.getStatus().getPodIP())
            .filter(a -> !a.isBlank() && !a.startsWith("127.")));
  }

  private static Optional<ContainerStatus> container(Pod pod) {
    if (pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return Optional.empty();
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(c -> PodManifests.CONTAINER.equals(c.getName()))
        .findFirst();
  }

  private static String phase(Pod pod) {
    return pod.getStatus() == null || pod.getStatus().getPhase() == null
        ? "Pending"
        : pod.getStatus().getPhase();
  }

  private static String describe(String reason, String message) {
    String r = reason == null ? "failed" : reason;
    return message == null || message.isBlank() ? r : r + ": " + message;
  }
}
