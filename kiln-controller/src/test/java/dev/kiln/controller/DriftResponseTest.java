package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.DriftResponse.Finding;
import dev.kiln.controller.DriftResponse.Mode;
import dev.kiln.controller.DriftResponse.Verdict;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class DriftResponseTest {
  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final DriftResponse.Budget BUDGET = DriftResponse.Budget.DEFAULT;

  private static Finding finding(String instance, String surface) {
    return new Finding(
        "web", 1, instance, surface, "/www/index.html", new TreeMap<>(Map.of("path", "/x")));
  }

  private static ObservedInstance healthy(String id) {
    return new ObservedInstance(id, "web", 1, ObservedInstance.Phase.HEALTHY, NOW, 0);
  }

  private static FleetView fleet(ObservedInstance... instances) {
    return new FleetView(List.of(instances));
  }

  @Test
  void aDriftedInstance_isReplaced_oneAtATime_andOnlyWhileTheRestIsHealthy() {
    var r =
        DriftResponse.decide(
            List.of(finding("web-a", "rootfs"), finding("web-b", "rootfs")),
            Map.of(),
            List.of(),
            fleet(healthy("web-a"), healthy("web-b"), healthy("web-c")),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(r.verdicts()).extracting(Verdict::response).containsOnly(Mode.REPLACE);
    assertThat(r.stops())
        .containsExactly(
            new Action.StopInstance(
                "web", "web-a", "drifted: replaced by the same revision", true));

    // web-a is leaving: web-b waits, and is not judged again
    var next =
        DriftResponse.decide(
            List.of(finding("web-b", "rootfs")),
            Map.of(),
            r.verdicts(),
            fleet(healthy("web-b"), healthy("web-c")),
            Set.of("web"),
            NOW,
            BUDGET);
    assertThat(next.verdicts()).isEmpty();
    assertThat(next.stops()).isEmpty();

    // the replacement is still starting: web-b waits
    var warming =
        DriftResponse.decide(
            List.of(),
            Map.of(),
            r.verdicts(),
            fleet(
                healthy("web-b"),
                healthy("web-c"),
                new ObservedInstance("web-d", "web", 1, ObservedInstance.Phase.STARTING, NOW, 0)),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(warming.stops()).isEmpty();
  }

  @Test
  void theLastHealthyInstance_isNeverStopped() {
    var r =
        DriftResponse.decide(
            List.of(finding("web-a", "process")),
            Map.of(),
            List.of(),
            fleet(healthy("web-a")),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(r.verdicts()).hasSize(1);
    assertThat(r.stops()).isEmpty();
  }

  @Test
  void driftReport_onlyReports() {
    var r =
        DriftResponse.decide(
            List.of(finding("web-a", "rootfs")),
            Map.of("web", Mode.REPORT),
            List.of(),
            fleet(healthy("web-a"), healthy("web-b")),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(r.verdicts()).singleElement().extracting(Verdict::response).isEqualTo(Mode.REPORT);
    assertThat(r.stops()).isEmpty();
  }

  @Test
  void pastTheBudget_driftIsReported_andLeftRunning_untilTheWindowMoves() {
    List<Verdict> past =
        List.of(
            new Verdict(finding("web-1", "rootfs"), Mode.REPLACE, "", NOW.minusSeconds(300)),
            new Verdict(finding("web-2", "rootfs"), Mode.REPLACE, "", NOW.minusSeconds(200)),
            new Verdict(finding("web-3", "rootfs"), Mode.REPLACE, "", NOW.minusSeconds(100)));
    var r =
        DriftResponse.decide(
            List.of(finding("web-a", "rootfs")),
            Map.of(),
            past,
            fleet(healthy("web-a"), healthy("web-b")),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(r.verdicts())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.response()).isEqualTo(Mode.REPORT);
              assertThat(v.reason()).contains("budget");
            });
    assertThat(r.stops()).isEmpty();

    var later =
        DriftResponse.decide(
            List.of(finding("web-e", "rootfs")),
            Map.of(),
            past,
            fleet(healthy("web-e"), healthy("web-b")),
            Set.of(),
            NOW.plus(Duration.ofMinutes(10)).plusSeconds(1),
            BUDGET);
    assertThat(later.verdicts())
        .singleElement()
        .extracting(Verdict::response)
        .isEqualTo(Mode.REPLACE);
  }

  @Test
  void aServicesOwnBudget_replacesTheDefault() {
    List<Verdict> past =
        List.of(new Verdict(finding("web-1", "rootfs"), Mode.REPLACE, "", NOW.minusSeconds(60)));
    var r =
        DriftResponse.decide(
            List.of(finding("web-a", "process")),
            Map.of(),
            Map.of("web", new DriftResponse.Budget(1, Duration.ofMinutes(30))),
            past,
            fleet(healthy("web-a"), healthy("web-b")),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(r.verdicts())
        .singleElement()
        .satisfies(
            v -> {
              assertThat(v.response()).isEqualTo(Mode.REPORT);
              assertThat(v.reason()).contains("budget spent (1 replacements in 30 min)");
            });
    assertThat(r.stops()).isEmpty();
  }

  @Test
  void aSecondSurfaceOfAnInstanceBeingReplaced_isJournaled_butNotCountedAgain() {
    List<Verdict> past =
        List.of(new Verdict(finding("web-a", "rootfs"), Mode.REPLACE, "", NOW.minusSeconds(1)));
    var r =
        DriftResponse.decide(
            List.of(finding("web-a", "rootfs"), finding("web-a", "process")),
            Map.of(),
            past,
            fleet(healthy("web-a"), healthy("web-b")),
            Set.of(),
            NOW,
            BUDGET);
    assertThat(r.verdicts())
        .singleElement()
        .satisfies(v -> assertThat(v.reason()).isEqualTo("already being replaced"));
    assertThat(r.stops()).hasSize(1);
  }
}
