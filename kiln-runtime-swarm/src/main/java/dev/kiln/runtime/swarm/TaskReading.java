package dev.kiln.runtime.swarm;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What one instance's service is doing, decided purely from what the manager reports about its
 * tasks and the nodes they were placed on. Restart policy is {@code none}, so a service has one
 * task that matters: the newest one placed on a node (a stop parks the service behind a constraint
 * no node meets, which leaves a never-placed task behind; it is ignored).
 *
 * <p>A task the manager still calls running on a node that is not ready is read as exited: the node
 * is lost, the swarm will not restart the task, and Kiln replaces the instance elsewhere.
 */
final class TaskReading {
  private TaskReading() {}

  /** How the detail of a task on a node that is not ready begins. */
  static final String LOST = "lost: ";

  /** A task as the manager reports it (docker-java types kept out, so this is unit-testable). */
  record Task(
      String id,
      String state,
      String desiredState,
      Optional<String> nodeId,
      OptionalInt exitCode,
      String error,
      String createdAt) {}

  /** A node: whether it is ready, and the address its instances are reached at. */
  record Node(String id, boolean ready, String address) {}

  /** The reading. */
  sealed interface Observed {
    /** Placed or being placed, not yet running (pulling the image, starting the container). */
    record Starting(String detail) implements Observed {}

    record Running(String host, String detail) implements Observed {}

    /**
     * Ran, or was meant to: exited, stopped, its node lost.
     *
     * @param failedToStart the engine could not start the process at all (no such command, image
     *     not pullable, no node could take it); {@code start} refuses with {@code detail}
     */
    record Exited(Optional<String> host, OptionalInt exitCode, String detail, boolean failedToStart)
        implements Observed {
      /** Its node is gone: no exit code will ever come. */
      boolean nodeLost() {
        return detail.startsWith(LOST);
      }
    }
  }

  static Observed read(List<Task> tasks, Map<String, Node> nodes) {
    Optional<Task> placed =
        tasks.stream()
            .filter(t -> t.nodeId().isPresent())
            .max(Comparator.comparing(Task::createdAt));
    if (placed.isEmpty()) {
      Optional<Task> pending = tasks.stream().max(Comparator.comparing(Task::createdAt));
      String why = pending.map(t -> t.state() + " " + t.error()).orElse("no task yet").strip();
      if (pending.isPresent() && !pending.get().error().isBlank()) {
        // e.g. "no suitable node (...)": nothing can run it
        return new Observed.Starting("task " + why);
      }
      return new Observed.Starting(why);
    }
    Task t = placed.get();
    Node node = nodes.get(t.nodeId().get());
    Optional<String> host = Optional.ofNullable(node).map(Node::address);
    String where = node == null ? "a removed node" : "node " + node.address();
    switch (t.state()) {
      case "running" -> {
        if (node == null || !node.ready()) {
          return new Observed.Exited(
              host, OptionalInt.empty(), LOST + where + " is down (task " + t.id() + ")", false);
        }
        return new Observed.Running(node.address(), "task " + t.id() + " running on " + where);
      }
      case "complete", "shutdown", "failed", "orphaned", "remove" -> {
        boolean neverRan = t.exitCode().isEmpty() || t.error().startsWith("starting container");
        boolean failedToStart = t.state().equals("failed") && neverRan;
        String detail = "task " + t.id() + " " + t.state() + " on " + where + errorPart(t.error());
        return new Observed.Exited(host, t.exitCode(), detail, failedToStart);
      }
      case "rejected" -> {
        return new Observed.Exited(
            host, OptionalInt.empty(), "task rejected on " + where + errorPart(t.error()), true);
      }
      default -> {
        if (node != null && !node.ready()) {
          return new Observed.Exited(
              host, OptionalInt.empty(), LOST + where + " is down before it started", true);
        }
        return new Observed.Starting("task " + t.id() + " " + t.state() + " on " + where);
      }
    }
  }

  private static String errorPart(String error) {
    return error.isBlank() ? "" : ": " + error;
  }
}
