package dev.kiln.api;

import java.util.List;

/**
 * A verdict of the promotion gate, as {@code kiln plan --env}, {@code env promote --dry-run} and
 * {@code env list} show it: {@code eligible} (with the revision and digest live in {@code from},
 * and when its soak ended) or {@code refused} (with the reason and, when known, the revision,
 * digest and when it becomes eligible), and the evidence the verdict rests on.
 */
public record PromotionVerdict(
    String service,
    String from,
    String to,
    String soak,
    String verdict,
    @Nullable String reason,
    @Nullable Integer revision,
    @Nullable String digest,
    @Nullable String eligibleAt,
    List<String> evidence) {
  public PromotionVerdict {
    evidence = List.copyOf(evidence);
  }

  public boolean eligible() {
    return verdict.equals("eligible");
  }
}
