package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AdoptionTest {
  @Test
  void aPidIsOnlyAdoptedWithItsStartTime_soARecycledPidIsNot() {
    long self = ProcessHandle.current().pid();
    long start = ProcStat.startTime(self).orElseThrow();

    assertThat(ProcStat.alive(self, start)).isTrue();
    assertThat(ProcStat.alive(self, start + 1)).isFalse();
    assertThat(ProcStat.alive(0, 0)).isFalse();
  }
}
