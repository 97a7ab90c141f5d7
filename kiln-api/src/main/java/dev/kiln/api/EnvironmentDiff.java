package dev.kiln.api;

import java.util.List;

/**
 * {@code GET /v1/environments/diff?a=A&b=B} ({@code kiln env diff A B}): per service declared in
 * either environment, each side as it runs there and every field whose value differs. The keys are
 * fixed ({@code a}, {@code b}): the environments' names are values, never property names.
 */
public record EnvironmentDiff(String a, String b, List<Service> services) {
  public EnvironmentDiff {
    services = List.copyOf(services);
  }

  /**
   * One service: its two sides, whether both run the same image digest, and what differs ({@code
   * declared} with {@code "true"}/{@code "false"} when only one environment declares it).
   */
  public record Service(String name, Side a, Side b, boolean sameImage, List<Difference> differs) {
    public Service {
      differs = List.copyOf(differs);
    }
  }

  /**
   * A service as it runs in one environment: as in {@code GET /v1/environments}, without the gate's
   * verdict. Live revision and image are null before its first rollout succeeds there.
   */
  public record Side(
      String name,
      String subject,
      @Nullable Integer liveRevision,
      @Nullable String image,
      int replicas,
      long healthy) {}

  /** A field (replicas, strategy, autoscale, env.NAME...) and its value in each environment. */
  public record Difference(String field, String a, String b) {}
}
