package dev.kiln.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void durationsReadAsABlueprintWritesThem() {
    assertThat(Durations.human(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.human(Duration.ofMillis(250))).isEqualTo("250ms");
    assertThat(Durations.human(Duration.ofSeconds(45))).isEqualTo("45s");
    assertThat(Durations.human(Duration.ofMinutes(10))).isEqualTo("10m");
    assertThat(Durations.human(Duration.ofMinutes(90))).isEqualTo("1h30m");
    assertThat(Durations.human(Duration.parse("PT1M35.50126022S"))).isEqualTo("1m35s");
    assertThat(Durations.human(Duration.ofHours(2).plusSeconds(5))).isEqualTo("2h5s");
    assertThat(Durations.human(Duration.ofMinutes(-3))).isEqualTo("-3m");
  }
}
