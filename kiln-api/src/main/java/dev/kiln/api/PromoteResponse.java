package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import java.util.List;

/**
 * The answer of {@code POST /v1/environments/promote}. A dry run sends {@code dryRun: true} and the
 * {@code verdict}; a promotion sends the {@code env-promoted} entry's body ({@code promoted}: the
 * revision, digest and evidence), the plan and the rollouts it started (none when {@code to}
 * already runs it). What the other kind sends is left out.
 */
public record PromoteResponse(
    @JsonInclude(Include.NON_NULL) @Nullable Boolean dryRun,
    @JsonInclude(Include.NON_NULL) @Nullable PromotionVerdict verdict,
    @JsonInclude(Include.NON_NULL) @Nullable Promoted promoted,
    @JsonInclude(Include.NON_NULL) @Nullable PlanView plan,
    @JsonInclude(Include.NON_NULL) @Nullable List<RolloutView> rollouts) {

  /**
   * The {@code env-promoted} journal entry's body: the revision of {@code from} that {@code to} now
   * rolls to, its digest, when it started to soak and for how long, the gate's evidence, and what
   * promoted it ({@code via}).
   */
  public record Promoted(
      String service,
      String from,
      String to,
      int revision,
      String digest,
      String soakStart,
      String soak,
      List<String> evidence,
      String via) {
    public Promoted {
      evidence = List.copyOf(evidence);
    }
  }

  public static PromoteResponse dryRun(PromotionVerdict verdict) {
    return new PromoteResponse(true, verdict, null, null, null);
  }

  public static PromoteResponse promoted(
      Promoted promoted, PlanView plan, List<RolloutView> rollouts) {
    return new PromoteResponse(null, null, promoted, plan, List.copyOf(rollouts));
  }
}
