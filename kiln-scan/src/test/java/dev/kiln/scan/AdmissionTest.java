package dev.kiln.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdmissionTest {
  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  private static Finding finding(String id, Severity s, String... aliases) {
    return new Finding(
        id,
        List.of(aliases),
        "openssl",
        List.of("libssl3"),
        "3.0.11-1",
        Optional.empty(),
        s,
        "",
        "f.json");
  }

  @Test
  void findingsBelowTheThresholdPass_atOrAboveDeny() {
    var v =
        Admission.judge(
            List.of(finding("A", Severity.HIGH), finding("B", Severity.CRITICAL)),
            Severity.CRITICAL,
            Map.of(),
            NOW);
    assertThat(v.admitted()).isFalse();
    assertThat(v.denyingIds()).containsExactly("B");
    assertThat(
            Admission.judge(List.of(finding("A", Severity.HIGH)), Severity.CRITICAL, Map.of(), NOW)
                .admitted())
        .isTrue();
  }

  @Test
  void anUnexpiredExceptionByIdOrAliasLetsItThrough_anExpiredOneDoesNot() {
    Finding f = finding("DSA-1-1", Severity.CRITICAL, "CVE-2026-1");
    var byAlias =
        Map.of("CVE-2026-1", new Admission.Exemption("CVE-2026-1", NOW.plusSeconds(1), "why"));
    var v = Admission.judge(List.of(f), Severity.HIGH, byAlias, NOW);
    assertThat(v.admitted()).isTrue();
    assertThat(v.exceptedIds()).containsExactly("DSA-1-1");
    var expired = Map.of("DSA-1-1", new Admission.Exemption("DSA-1-1", NOW, "why"));
    assertThat(Admission.judge(List.of(f), Severity.HIGH, expired, NOW).denyingIds())
        .containsExactly("DSA-1-1");
  }
}
