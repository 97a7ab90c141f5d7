package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BackendPickerTest {
  private static final BackendState[] NONE = new BackendState[0];

  private static Backend b(String id, String rev, int weight) {
    return new Backend(
        id, rev, new InetSocketAddress("127.0.0.1", 10000 + id.hashCode() % 1000), weight);
  }

  private static CompiledService compile(Split split, Backend... backends) {
    var route = new ServiceRoute("web", new Route("*", "/"), List.of(backends), split);
    Map<Backend, BackendState> states = new HashMap<>();
    for (Backend x : backends) states.put(x, new BackendState("web", x));
    return new CompiledService(route, new TrafficStats(), states);
  }

  private static Map<String, Integer> countOverAllRolls(CompiledService s, int total) {
    Map<String, Integer> counts = new HashMap<>();
    for (long roll = 0; roll < total; roll++) {
      var picked = BackendPicker.pick(s, null, false, 0, roll, 0, NONE, 0);
      counts.merge(picked.backend.id(), 1, Integer::sum);
    }
    return counts;
  }

  @Test
  void weights_splitExactlyOverOneCycleOfRolls() {
    var s = compile(Split.perRequest(), b("a", "1", 3), b("b", "1", 1));
    assertThat(countOverAllRolls(s, 400)).containsEntry("a", 300).containsEntry("b", 100);
  }

  @Test
  void weightZero_isNeverPickedWithoutAnOverride() {
    var s = compile(Split.perRequest(), b("stable", "1", 1), b("preview", "2", 0));
    assertThat(countOverAllRolls(s, 100)).containsOnlyKeys("stable");
  }

  @Test
  void override_reachesAWeightZeroRevision() {
    var s = compile(Split.perRequest(), b("stable", "1", 1), b("preview", "2", 0));
    var picked = BackendPicker.pick(s, s.revision("2"), false, 0, 12345, 0, NONE, 0);
    assertThat(picked.backend.id()).isEqualTo("preview");
  }

  @Test
  void sticky_sameHashAlwaysLandsInTheSameRevision() {
    var s = compile(Split.sticky(), b("s1", "1", 9), b("s2", "1", 9), b("canary", "2", 2));
    for (String cookie : List.of("alice", "bob", "carol", "dave")) {
      long hash = StableHash.of(cookie);
      String first = BackendPicker.pick(s, null, true, hash, 0, 0, NONE, 0).backend.revision();
      for (long roll = 1; roll < 50; roll++) {
        assertThat(BackendPicker.pick(s, null, true, hash, roll, 0, NONE, 0).backend.revision())
            .isEqualTo(first);
      }
    }
  }

  @Test
  void sticky_splitsUsersRoughlyByRevisionWeight() {
    var s = compile(Split.sticky(), b("s1", "1", 9), b("canary", "2", 1));
    int canary = 0;
    for (int user = 0; user < 10_000; user++) {
      if (BackendPicker.revisionFor(s, StableHash.of("user-" + user)).revision.equals("2"))
        canary++;
    }
    assertThat(canary).isBetween(800, 1200);
  }

  @Test
  void ejectedBackend_isSkippedUntilItsTimeIsUp() {
    var s = compile(Split.perRequest(), b("a", "1", 1), b("b", "1", 1));
    BackendState a = s.all.states[0];
    a.connectFailed(1_000, 1, 500);
    assertThat(countOverAllRolls(s, 10)).doesNotContainKey("a"); // now = 0 < 1500
    assertThat(BackendPicker.pick(s, null, false, 0, 0, 1_600, NONE, 0).backend.id())
        .isEqualTo("a");
  }

  @Test
  void allEjected_stillPicksOne_ratherThanFailForSure() {
    var s = compile(Split.perRequest(), b("a", "1", 1));
    s.all.states[0].connectFailed(0, 1, 1_000_000);
    assertThat(BackendPicker.pick(s, null, false, 0, 7, 10, NONE, 0)).isSameAs(s.all.states[0]);
  }

  @Test
  void triedBackends_areNotPickedAgain_andNothingLeftMeansNull() {
    var s = compile(Split.perRequest(), b("a", "1", 1), b("b", "1", 1));
    BackendState[] tried = {s.all.states[0], null};
    for (long roll = 0; roll < 10; roll++) {
      assertThat(BackendPicker.pick(s, null, false, 0, roll, 0, tried, 1).backend.id())
          .isEqualTo("b");
    }
    tried[1] = s.all.states[1];
    assertThat(BackendPicker.pick(s, null, false, 0, 0, 0, tried, 2)).isNull();
  }

  @Test
  void drainProtocol_retiredBackendRefusesNewWork_andDrainsWhenLastRequestEnds() {
    var state = new BackendState("web", b("a", "1", 1));
    assertThat(state.tryAcquire()).isTrue();
    var drained = state.retire();
    assertThat(drained).isNotDone();
    assertThat(state.tryAcquire()).isFalse();
    assertThat(drained).isNotDone();
    state.release();
    assertThat(drained).isCompleted();
  }

  @Test
  void ejection_needsConsecutiveFailures_andASuccessResetsTheCount() {
    var state = new BackendState("web", b("a", "1", 1));
    state.connectFailed(0, 3, 100);
    state.connectFailed(0, 3, 100);
    state.connected();
    state.connectFailed(0, 3, 100);
    state.connectFailed(0, 3, 100);
    assertThat(state.ejected(1)).isFalse();
    state.connectFailed(0, 3, 100);
    assertThat(state.ejected(1)).isTrue();
    assertThat(state.ejected(100)).isFalse();
  }
}
