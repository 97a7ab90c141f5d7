package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.PromotionDecision.Analysis;
import dev.kiln.controller.PromotionDecision.Candidate;
import dev.kiln.controller.PromotionDecision.Eligible;
import dev.kiln.controller.PromotionDecision.Incident;
import dev.kiln.controller.PromotionDecision.Live;
import dev.kiln.controller.PromotionDecision.Refused;
import dev.kiln.controller.PromotionDecision.Signature;
import dev.kiln.controller.PromotionDecision.Verdict;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** "May staging's web be promoted to production, and why not", on a fake clock. */
class PromotionDecisionTest {
  private static final Instant LIVE = Instant.parse("2026-11-30T10:00:00Z");
  private static final Duration SOAK = Duration.ofMinutes(10);
  private static final Digest D = Digest.of("image-a".getBytes(StandardCharsets.UTF_8));
  private static final Digest OTHER = Digest.of("image-b".getBytes(StandardCharsets.UTF_8));
  private static final Signature SIGNED = new Signature(true, "valid (key id abc123)");

  private static Live live(Signature sig, int healthy, List<Incident> incidents) {
    return new Live(3, D, LIVE, healthy, 2, Optional.empty(), sig, incidents);
  }

  private static Live healthy() {
    return live(SIGNED, 2, List.of());
  }

  private static Live healthySince(Instant since) {
    return new Live(3, D, since, 2, 2, Optional.empty(), SIGNED, List.of());
  }

  private static Candidate promote(Live live) {
    return new Candidate("web", "staging", "production", Optional.of(live), Optional.empty());
  }

  private static Verdict decide(Candidate c, Instant now) {
    return PromotionDecision.decide(c, Optional.of("staging"), SOAK, now);
  }

  @Test
  void beforeItsSoak_isRefused_namingWhenItBecomesEligible() {
    Verdict v = decide(promote(healthy()), LIVE.plus(Duration.ofMinutes(4)));
    assertThat(v).isInstanceOf(Refused.class);
    Refused r = (Refused) v;
    assertThat(r.reason())
        .contains("web in staging revision 3 has soaked 4m of 10m")
        .contains("eligible at 2026-11-30T10:10:00Z");
    assertThat(r.revision()).contains(3);
    assertThat(r.digest()).contains(D);
    assertThat(r.eligibleAt()).contains(Instant.parse("2026-11-30T10:10:00Z"));
  }

  @Test
  void aRefusalSoakingCannotCure_namesNoEligibleTime() {
    Verdict v = decide(promote(live(SIGNED, 1, List.of())), LIVE.plus(SOAK));
    assertThat(((Refused) v).eligibleAt()).isEmpty();
  }

  @Test
  void afterItsSoak_isEligible_withTheSameDigest_andTheEvidence() {
    Verdict v = decide(promote(healthy()), LIVE.plus(SOAK));
    assertThat(v).isInstanceOf(Eligible.class);
    Eligible e = (Eligible) v;
    assertThat(e.digest()).isEqualTo(D);
    assertThat(e.revision()).isEqualTo(3);
    assertThat(e.soakStart()).isEqualTo(LIVE);
    assertThat(e.evidence())
        .contains(
            "staging runs web revision 3, " + D,
            "signature: valid (key id abc123)",
            "healthy now: 2 of 2 instance(s) in staging",
            "soak: 10m of 10m since " + LIVE);
    assertThat(String.join("\n", e.evidence())).contains("image tests: passed");
  }

  @Test
  void theEvidencesTimes_readToTheSecond_andEligibleAtIsNeverEarly() {
    Instant live = LIVE.plusNanos(703_047_483);
    Verdict early = decide(promote(healthySince(live)), live.plus(Duration.ofMinutes(4)));
    assertThat(((Refused) early).reason())
        .contains("(since 2026-11-30T10:00:00Z)")
        .endsWith("it is eligible at 2026-11-30T10:10:01Z");
    // the field keeps the exact time: the gate's own check, and kiln env list's GATE column
    assertThat(((Refused) early).eligibleAt()).hasValue(live.plus(SOAK));
    assertThat(decide(promote(healthySince(live)), live.plus(SOAK)))
        .isInstanceOfSatisfying(
            Eligible.class,
            e ->
                assertThat(e.evidence())
                    .contains(
                        "live in staging since 2026-11-30T10:00:00Z",
                        "soak: 10m of 10m since 2026-11-30T10:00:00Z"));
  }

  @Test
  void anIncident_restartsTheSoak() {
    Instant crash = LIVE.plus(Duration.ofMinutes(8));
    Live l = live(SIGNED, 2, List.of(new Incident(crash, "instance web-3-ab crashed")));
    Verdict v = decide(promote(l), LIVE.plus(Duration.ofMinutes(12)));
    assertThat(v).isInstanceOf(Refused.class);
    assertThat(((Refused) v).reason())
        .contains("soaked 4m of 10m")
        .contains("after instance web-3-ab crashed");
    assertThat(decide(promote(l), crash.plus(SOAK))).isInstanceOf(Eligible.class);
  }

  @Test
  void anIncidentBeforeItWentLive_doesNotCount() {
    Live l = live(SIGNED, 2, List.of(new Incident(LIVE.minusSeconds(60), "old crash")));
    assertThat(decide(promote(l), LIVE.plus(SOAK))).isInstanceOf(Eligible.class);
  }

  @Test
  void anUnsignedImage_isRefused_whateverItsSoak() {
    Live l = live(new Signature(false, "no signature"), 2, List.of());
    Verdict v = decide(promote(l), LIVE.plus(Duration.ofDays(1)));
    assertThat(((Refused) v).reason()).contains("is not signed by this host's key: no signature");
  }

  @Test
  void anUnhealthyFleet_isRefused() {
    Verdict v = decide(promote(live(SIGNED, 1, List.of())), LIVE.plus(Duration.ofDays(1)));
    assertThat(((Refused) v).reason()).contains("is not healthy now: 1 of 2 instance(s)");
  }

  @Test
  void aFailedCanaryAnalysis_isRefused_aPassedOneIsEvidence() {
    Live failed =
        new Live(
            3,
            D,
            LIVE,
            2,
            2,
            Optional.of(new Analysis(false, "error rate 5% > 1%")),
            SIGNED,
            List.of());
    assertThat(((Refused) decide(promote(failed), LIVE.plus(SOAK))).reason())
        .contains("failed its canary analysis: error rate 5% > 1%");
    Live passed =
        new Live(
            3,
            D,
            LIVE,
            2,
            2,
            Optional.of(new Analysis(true, "2 step(s) passed")),
            SIGNED,
            List.of());
    assertThat(decide(promote(passed), LIVE.plus(SOAK)).evidence())
        .contains("canary analysis in staging: 2 step(s) passed");
  }

  @Test
  void nothingLiveInTheSource_isRefused_sayingWhatToDo() {
    Candidate c = new Candidate("web", "staging", "production", Optional.empty(), Optional.empty());
    assertThat(((Refused) decide(c, LIVE)).reason())
        .isEqualTo(
            "web in staging has no live revision: apply it there first (kiln apply --env staging)");
  }

  @Test
  void fromAnotherEnvironmentThanDeclared_isRefused() {
    Candidate c =
        new Candidate("web", "qa", "production", Optional.of(healthy()), Optional.empty());
    assertThat(((Refused) decide(c, LIVE.plus(SOAK))).reason())
        .isEqualTo("production promotes only from staging, not from qa");
  }

  @Test
  void applyingADigestThatNeverPassedTheSource_isRefused() {
    Candidate c =
        new Candidate("web", "staging", "production", Optional.of(healthy()), Optional.of(OTHER));
    Refused r = (Refused) decide(c, LIVE.plus(Duration.ofDays(1)));
    assertThat(r.reason())
        .contains(
            "production may only run what passed staging: " + OTHER + " is not live in staging");
    assertThat(r.digest()).contains(OTHER);
    Candidate same =
        new Candidate("web", "staging", "production", Optional.of(healthy()), Optional.of(D));
    assertThat(decide(same, LIVE.plus(SOAK))).isInstanceOf(Eligible.class);
  }

  @Test
  void withoutAPromotionBlock_thereIsNoSoak_butTheRestStillHolds() {
    Verdict v = PromotionDecision.decide(promote(healthy()), Optional.empty(), Duration.ZERO, LIVE);
    assertThat(v).isInstanceOf(Eligible.class);
    Verdict unsigned =
        PromotionDecision.decide(
            promote(live(new Signature(false, "bad"), 2, List.of())),
            Optional.empty(),
            Duration.ZERO,
            LIVE);
    assertThat(unsigned).isInstanceOf(Refused.class);
  }
}
