package dev.kiln.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The globs of {@code notify: { events }} over journal kinds. */
class JournalKindsTest {
  @Test
  void aStarMatchesAnyRun_includingNone() {
    assertThat(JournalKinds.matches("rollout-*", "rollout-succeeded")).isTrue();
    assertThat(JournalKinds.matches("rollout-*", "rollout-")).isTrue();
    assertThat(JournalKinds.matches("*-drifted", "instance-drifted")).isTrue();
    assertThat(JournalKinds.matches("i*e*d", "instance-failed")).isTrue();
    assertThat(JournalKinds.matches("**", "anything")).isTrue();
    assertThat(JournalKinds.matches("rollout-*", "rollback")).isFalse();
    assertThat(JournalKinds.matches("rollback", "rollback-x")).isFalse();
  }

  @Test
  void deliverableKinds_leaveOutTheNotifiersOwn() {
    assertThat(JournalKinds.deliverable("rollout-*"))
        .contains("rollout-started", "rollout-succeeded", "rollout-aborted")
        .doesNotContain("rollback");
    assertThat(JournalKinds.deliverable("notify-*")).isEmpty();
    assertThat(JournalKinds.deliverable("*")).hasSize(JournalKinds.ALL.size() - 3);
  }
}
