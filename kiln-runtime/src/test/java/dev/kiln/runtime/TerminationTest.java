package dev.kiln.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TerminationTest {
  @Test
  void anOomKill_isTheReason_evenIfForksWereAlsoRefused() {
    assertThat(Termination.of(1, 5)).contains(Termination.OOM_KILLED);
    assertThat(Termination.OOM_KILLED.label()).isEqualTo("OOMKilled");
  }

  @Test
  void refusedForks_withoutAnOomKill_meanThePidsLimit() {
    assertThat(Termination.of(0, 2)).contains(Termination.PIDS_LIMIT);
    assertThat(Termination.PIDS_LIMIT.label()).isEqualTo("PidsLimit");
  }

  @Test
  void noCountedEvent_meansNoTermination() {
    assertThat(Termination.of(0, 0)).isEmpty();
  }
}
