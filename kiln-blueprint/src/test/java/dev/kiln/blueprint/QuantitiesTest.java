package dev.kiln.blueprint;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class QuantitiesTest {
  @Test
  void durations_acceptUnitsLargestFirst() {
    assertThat(Quantities.duration("500ms")).contains(Duration.ofMillis(500));
    assertThat(Quantities.duration("1s")).contains(Duration.ofSeconds(1));
    assertThat(Quantities.duration("1m30s")).contains(Duration.ofSeconds(90));
    assertThat(Quantities.duration("10m")).contains(Duration.ofMinutes(10));
    assertThat(Quantities.duration("2h")).contains(Duration.ofHours(2));
    assertThat(Quantities.duration("1h2m3s4ms")).contains(Duration.ofMillis(3_723_004));
  }

  @Test
  void durations_rejectEverythingElse() {
    for (String bad :
        new String[] {"", "10", "1d", "1s1m", "1.5s", "-1s", " 1s", "1 s", "1S", "ms"}) {
      assertThat(Quantities.duration(bad)).as(bad).isEmpty();
    }
  }

  @Test
  void percentages_areFractions() {
    assertThat(Quantities.percent("1%")).contains(0.01);
    assertThat(Quantities.percent("0.5%")).contains(0.005);
    assertThat(Quantities.percent("0.01")).contains(0.01);
    assertThat(Quantities.percent("101%")).isEmpty();
    assertThat(Quantities.percent("2")).isEmpty();
    assertThat(Quantities.percent("x%")).isEmpty();
  }

  @Test
  void modes_areAlwaysOctal() {
    assertThat(Quantities.mode("0755")).contains(0755);
    assertThat(Quantities.mode("755")).contains(0755);
    assertThat(Quantities.mode("0o644")).contains(0644);
    assertThat(Quantities.mode("0800")).isEmpty();
    assertThat(Quantities.mode("17777")).isEmpty();
    assertThat(Quantities.mode("rwx")).isEmpty();
  }

  @Test
  void suggestions_findCloseWordsOnly() {
    assertThat(Suggestions.closest("form", java.util.List.of("from", "env"))).contains("from");
    assertThat(Suggestions.closest("bluegreen", java.util.List.of("rolling", "blue-green")))
        .contains("blue-green");
    assertThat(Suggestions.closest("zzz", java.util.List.of("from", "env"))).isEmpty();
  }
}
