package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Digest;
import dev.kiln.scan.Finding;
import dev.kiln.scan.Severity;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PatchPlanTest {
  private static final Digest A = Digest.parse("sha256:" + "a".repeat(64));
  private static final Digest B = Digest.parse("sha256:" + "b".repeat(64));

  private static Finding finding(String id, String pkg, Optional<String> fixed) {
    return new Finding(
        id, List.of(), pkg, List.of(pkg), "1.0-1", fixed, Severity.HIGH, "", "feed.json");
  }

  @Test
  void onlyServicesWithFixableFindingsArePatched_eachImageRebakedOnce() {
    Finding fixable = finding("DSA-1", "demo", Optional.of("1.0-2"));
    Finding noFix = finding("CVE-9", "other", Optional.empty());
    PatchPlan plan =
        PatchPlan.decide(
            List.of(
                new PatchPlan.Live("web", "site", A, List.of(fixable, noFix)),
                new PatchPlan.Live("api", "site", A, List.of(fixable)),
                new PatchPlan.Live("worker", "jobs", B, List.of(noFix)),
                new PatchPlan.Live("static", "files", B, List.of())));
    assertThat(plan.targets()).extracting(PatchPlan.Target::service).containsExactly("web", "api");
    assertThat(plan.images()).containsExactly("site");
    assertThat(plan.target("web").orElseThrow().advisories()).containsExactly("DSA-1");
    assertThat(plan.clean())
        .extracting(PatchPlan.Target::service)
        .containsExactly("worker", "static");
    assertThat(plan.unfixable())
        .extracting(PatchPlan.Unfixable::service)
        .containsExactly("web", "worker");
  }

  @Test
  void aRebakeThatStillCarriesTheAdvisoryIsRemaining_otherFindingsAreNot() {
    Finding fixable = finding("DSA-1", "demo", Optional.of("1.0-2"));
    PatchPlan plan =
        PatchPlan.decide(List.of(new PatchPlan.Live("web", "site", A, List.of(fixable))));
    assertThat(plan.remaining(Map.of("site", List.of()))).isEmpty();
    assertThat(plan.remaining(Map.of("site", List.of(finding("CVE-9", "other", Optional.empty())))))
        .isEmpty();
    assertThat(plan.remaining(Map.of("site", List.of(fixable))))
        .singleElement()
        .satisfies(r -> assertThat(r.finding().advisory()).isEqualTo("DSA-1"));
  }
}
