package dev.kiln.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A named stage of a blueprint ({@code staging}, {@code production}): its own router listener, the
 * overrides it makes to the blueprint's services, and where its revisions must have proven
 * themselves before they reach it.
 *
 * @param router the {@code host:port} its router listens on, as written
 * @param services overrides per service; a service not listed runs as declared
 * @param promotion where a digest must have soaked before it may run here, if anywhere
 */
public record Environment(
    String name,
    String router,
    Map<String, Override> services,
    Optional<Promotion> promotion,
    Location at) {
  /**
   * Between an environment's name and a service's in the name its instances, revisions and journal
   * entries carry ({@code staging--web}): that name reaches instance ids, paths and container
   * names, which take DNS labels, so no '/'. Environment names may not contain it.
   */
  public static final String SEPARATOR = "--";

  /** The longest qualified name: an instance id adds "-REVISION-XXXXXX" and must stay under 64. */
  public static final int MAX_QUALIFIED = 50;

  public Environment {
    services = Ordered.copyOf(services);
  }

  /** The service's name inside the server: {@code staging--web}. */
  public static String qualify(String environment, String service) {
    return environment + SEPARATOR + service;
  }

  /**
   * What an environment may change of a service: how many instances, their env and secrets, how
   * they scale, how they are replaced. Never the image (or anything else): a promotion moves the
   * same digest, so only these differ between environments.
   */
  public record Override(
      Optional<Integer> replicas,
      Map<String, String> env,
      Optional<List<String>> secrets,
      Optional<Autoscale> autoscale,
      Optional<Strategy> strategy) {
    public static final Override NONE =
        new Override(
            Optional.empty(), Map.of(), Optional.empty(), Optional.empty(), Optional.empty());

    public Override {
      env = Ordered.copyOf(env);
      secrets = secrets.map(List::copyOf);
    }
  }

  /** {@code promotion: { from: staging, soak: 10m }}. */
  public record Promotion(String from, Duration soak) {
    public Promotion {
      if (soak.isNegative()) throw new IllegalArgumentException("soak < 0");
    }
  }

  /**
   * The service as it runs here: the blueprint's spec with this environment's overrides (env is
   * merged key by key, the rest replaced). The name is unchanged; the server qualifies it.
   */
  public ServiceSpec resolve(ServiceSpec base) {
    Override o = services.getOrDefault(base.name(), Override.NONE);
    Map<String, String> env = new java.util.LinkedHashMap<>(base.env());
    env.putAll(o.env());
    Optional<Autoscale> autoscale = o.autoscale().isPresent() ? o.autoscale() : base.autoscale();
    int replicas =
        o.replicas()
            .orElseGet(() -> o.autoscale().map(a -> Math.max(1, a.min())).orElse(base.replicas()));
    return new ServiceSpec(
        base.name(),
        base.image(),
        replicas,
        base.health(),
        base.route(),
        o.strategy().orElse(base.strategy()),
        base.progressDeadline(),
        env,
        o.secrets().orElse(base.secrets()),
        base.volumes(),
        base.resources(),
        base.runtime(),
        autoscale,
        base.network(),
        base.drift(),
        base.at());
  }
}
