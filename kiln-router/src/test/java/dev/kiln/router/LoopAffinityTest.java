package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which core each event loop gets: the decision, without threads. */
class LoopAffinityTest {
  @Test
  void oneLoopPerAllowedCoreInOrder() {
    assertThat(LoopAffinity.plan(2, List.of(0, 1))).containsExactly(0, 1);
    assertThat(LoopAffinity.plan(3, List.of(2, 5, 7))).containsExactly(2, 5, 7);
  }

  @Test
  void moreLoopsThanCoresGoRoundRobin() {
    assertThat(LoopAffinity.plan(5, List.of(4, 6))).containsExactly(4, 6, 4, 6, 4);
  }

  @Test
  void aSingleLoopStaysFree() {
    assertThat(LoopAffinity.plan(1, List.of(0, 1))).isEmpty();
  }

  @Test
  void aSingleAllowedCoreOrAnUnknownSetLeavesTheLoopsToTheScheduler() {
    assertThat(LoopAffinity.plan(2, List.of(3))).isEmpty();
    assertThat(LoopAffinity.plan(2, List.of())).isEmpty();
  }

  @Test
  void readsTheKernelsCpuLists() {
    assertThat(LoopAffinity.cpuList("0-3,8,10-11\n")).containsExactly(0, 1, 2, 3, 8, 10, 11);
    assertThat(LoopAffinity.cpuList(" 1 ")).containsExactly(1);
    assertThat(LoopAffinity.cpuList("3,1-2")).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> LoopAffinity.cpuList("0-x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0-x");
    assertThatThrownBy(() -> LoopAffinity.cpuList("3-1"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
