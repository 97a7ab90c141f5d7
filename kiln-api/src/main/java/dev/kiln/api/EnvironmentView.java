package dev.kiln.api;

import java.util.List;

/**
 * One environment: its router and where it listens (null while no router listens for it: an
 * environment's own router starts at its first apply or promotion), where it promotes from (null
 * without {@code promotion:}), and its services as they run there.
 */
public record EnvironmentView(
    String name,
    String router,
    @Nullable String listening,
    @Nullable Promotion promotion,
    List<Service> services) {
  public EnvironmentView {
    services = List.copyOf(services);
  }

  /** {@code promotion:}: the source environment and how long a revision soaks there. */
  public record Promotion(String from, String soak) {}

  /**
   * A service in the environment: its name in the blueprint and its journal subject ({@code
   * env--name}), live revision and image (null before its first rollout succeeds), health, and the
   * gate's verdict now for the revision live in the source (null without {@code promotion:}).
   */
  public record Service(
      String name,
      String subject,
      @Nullable Integer liveRevision,
      @Nullable String image,
      int replicas,
      long healthy,
      @Nullable PromotionVerdict promotionGate) {}
}
