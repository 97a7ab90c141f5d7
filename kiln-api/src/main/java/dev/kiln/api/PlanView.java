package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * The answer of {@code POST /v1/plan} (with the scaler preview) and the {@code plan} of an apply
 * (without it): the changes, the planner's text, and the blueprint's digest.
 */
public record PlanView(
    List<ChangeView> changes,
    String text,
    boolean hasChanges,
    String blueprintDigest,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<ScalerPreview> scaler,
    @JsonInclude(JsonInclude.Include.NON_NULL) @Nullable List<PromotionVerdict> promotionGate) {
  public PlanView {
    changes = List.copyOf(changes);
    scaler = scaler == null ? null : List.copyOf(scaler);
    promotionGate = promotionGate == null ? null : List.copyOf(promotionGate);
  }

  public PlanView withScaler(List<ScalerPreview> preview) {
    return new PlanView(changes, text, hasChanges, blueprintDigest, preview, promotionGate);
  }

  /** {@code POST /v1/environments/ENV/plan}: per changed service, the promotion gate's verdict. */
  public PlanView withPromotionGate(List<PromotionVerdict> gate) {
    return new PlanView(changes, text, hasChanges, blueprintDigest, scaler, gate);
  }
}
