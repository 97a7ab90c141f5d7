package dev.kiln.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A service as the blueprint declares it: which image, how many instances, how they are checked,
 * routed and replaced. The control plane turns it into immutable revisions.
 *
 * @param image the name of an image of the blueprint
 * @param secrets names of secrets injected at start (values never come from the blueprint)
 * @param volumes volume name to mount path; volumes survive replacement
 * @param resources the limits of each instance ({@link Resources#UNLIMITED} when not declared)
 * @param runtime the driver name: {@code process} or {@code docker}
 * @param autoscale bounds and target when the instance count follows demand; {@code replicas} is
 *     then the starting count
 * @param network what its instances may reach: {@code private} (default: no host-local
 *     destinations, the outside where the host forwards) or {@code none} (no connection of its own)
 * @param drift what is done when an instance drifts ({@code drift:}; replace, within a budget)
 */
public record ServiceSpec(
    String name,
    String image,
    int replicas,
    Optional<HealthCheck> health,
    Optional<Route> route,
    Strategy strategy,
    Duration progressDeadline,
    Map<String, String> env,
    List<String> secrets,
    Map<String, String> volumes,
    Resources resources,
    String runtime,
    Optional<Autoscale> autoscale,
    String network,
    DriftPolicy drift,
    Location at) {
  public static final List<String> NETWORKS = List.of("private", "none");

  public ServiceSpec {
    if (drift == null) throw new IllegalArgumentException("drift is null; use DriftPolicy.DEFAULT");
    if (!NETWORKS.contains(network))
      throw new IllegalArgumentException("network must be one of " + NETWORKS + ": " + network);
    if (replicas < 0) throw new IllegalArgumentException("replicas < 0");
    if (resources == null) throw new IllegalArgumentException("resources is null; use UNLIMITED");
    if (autoscale == null)
      throw new IllegalArgumentException("autoscale is null; use Optional.empty()");
    env = Ordered.copyOf(env);
    secrets = List.copyOf(secrets);
    volumes = Ordered.copyOf(volumes);
  }
}
