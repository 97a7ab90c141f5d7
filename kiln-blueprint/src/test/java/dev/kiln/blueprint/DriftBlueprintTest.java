package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.DriftPolicy;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A service's {@code drift:} (issue 10): replace by default, report on request, located errors. */
class DriftBlueprintTest {
  private static final String SERVICE = BlueprintProblemsTest.SERVICE;

  private static DriftPolicy drift(String extra) {
    return BlueprintParser.parse(Path.of("kiln.yaml"), SERVICE + extra)
        .service("web")
        .orElseThrow()
        .drift();
  }

  private static List<String> problems(String extra) {
    return BlueprintProblemsTest.problems(SERVICE + extra).stream()
        .map(p -> BlueprintProblemsTest.located(p) + " | " + p.hint().orElse(""))
        .toList();
  }

  @Test
  void withoutTheKey_aDriftedInstanceIsReplaced_withinTheDefaultBudget() {
    assertThat(drift("")).isEqualTo(DriftPolicy.DEFAULT);
    assertThat(DriftPolicy.DEFAULT)
        .isEqualTo(new DriftPolicy("replace", 3, Duration.ofMinutes(10)));
  }

  @Test
  void report_andReplace_areRead() {
    assertThat(drift("    drift: report\n")).isEqualTo(DriftPolicy.of("report"));
    assertThat(drift("    drift: replace\n")).isEqualTo(DriftPolicy.DEFAULT);
  }

  @Test
  void theLongForm_setsTheBudget() {
    assertThat(drift("    drift: { response: replace, replacements: 1, window: 30m }\n"))
        .isEqualTo(new DriftPolicy("replace", 1, Duration.ofMinutes(30)));
    assertThat(drift("    drift: { replacements: 0 }\n"))
        .isEqualTo(new DriftPolicy("replace", 0, Duration.ofMinutes(10)));
  }

  @Test
  void anyOtherResponse_isALocatedProblem_withTheValidOnes() {
    assertThat(problems("    drift: repalce\n"))
        .containsExactly(
            "7:12: services.web.drift: unknown drift response 'repalce' | did you mean 'replace'?"
                + " valid responses: replace, report");
    assertThat(problems("    drift: { response: heal, window: 0s, budget: 3 }\n"))
        .extracting(s -> s.substring(0, s.indexOf(" | ")))
        .containsExactlyInAnyOrder(
            "7:42: services.web.drift: unknown key 'budget'",
            "7:24: services.web.drift.response: unknown drift response 'heal'",
            "7:38: services.web.drift.window: must be longer than 0");
  }
}
