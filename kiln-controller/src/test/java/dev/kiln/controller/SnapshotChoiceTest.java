package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.digest;
import static dev.kiln.controller.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SnapshotChoiceTest {
  private static List<Revision> revisions(String service, int count) {
    RuntimeConfig config = RuntimeConfig.of(spec(service, "img", 2, Map.of()));
    return IntStream.rangeClosed(1, count)
        .mapToObj(n -> new Revision(service, n, digest(service + "-v" + n), config))
        .toList();
  }

  @Test
  void theLastNRevisions_ofEveryService_areKept() {
    var chosen =
        SnapshotChoice.images(
            Map.of("web", revisions("web", 8), "api", revisions("api", 2)), Map.of(), 3);
    assertThat(chosen.keySet()).containsExactly("api@1", "api@2", "web@6", "web@7", "web@8");
    assertThat(chosen.get("web@8")).isEqualTo(digest("web-v8"));
  }

  @Test
  void whatARolloutNames_isKept_however_old() {
    var chosen =
        SnapshotChoice.images(Map.of("web", revisions("web", 8)), Map.of("web", Set.of(2)), 1);
    assertThat(chosen.keySet()).containsExactly("web@2", "web@8");
  }

  @Test
  void aNegativeCount_isRefused() {
    assertThatThrownBy(() -> SnapshotChoice.images(Map.of(), Map.of(), -1))
        .hasMessageContaining("--keep-revisions");
  }
}
