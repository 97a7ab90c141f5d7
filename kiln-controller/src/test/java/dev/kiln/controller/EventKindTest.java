package dev.kiln.controller;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The planners' event kinds are a closed set the server can journal as typed events. */
class EventKindTest {
  @Test
  void kindsAreTheHyphenatedJournalKinds() {
    assertThat(EventKind.ROLLOUT_SUCCEEDED.kind()).isEqualTo("rollout-succeeded");
    assertThat(EventKind.of("traffic-switched")).isEqualTo(EventKind.TRAFFIC_SWITCHED);
    assertThat(new Action.RecordEvent("web", "canary-step", "step 1").eventKind())
        .isEqualTo(EventKind.CANARY_STEP);
  }

  @Test
  void aPlannerEventOfAnUnknownKindIsRefusedWhereItIsMade() {
    assertThatThrownBy(() -> new Action.RecordEvent("web", "traffic-emptied", "oops"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'traffic-emptied'")
        .hasMessageContaining("add it to dev.kiln.controller.EventKind");
  }
}
