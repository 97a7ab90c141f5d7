package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code kiln journal --service NAME}: an unknown name is refused with the known ones. */
class JournalServiceFilterTest {
  @Test
  void anUnknownName_isRefused_namingTheServicesThatExist() {
    assertThat(JournalServiceFilter.unknown("nosuch", Set.of("web", "api"), false))
        .hasValue("no service named 'nosuch'; known: api, web");
  }

  @Test
  void anAppliedService_orOneTheJournalHasEntriesAbout_isKnown() {
    assertThat(JournalServiceFilter.unknown("web", Set.of("web"), false)).isEmpty();
    // removed since: its history is still asked for
    assertThat(JournalServiceFilter.unknown("old", Set.of("web"), true)).isEmpty();
  }

  @Test
  void nothingApplied_saysSo() {
    assertThat(JournalServiceFilter.unknown("web", List.of(), false))
        .hasValue("no service named 'web' (none is applied yet)");
  }

  @Test
  void aServiceOfAnEnvironment_isNamedWithItsEnvironment() {
    assertThat(
            JournalServiceFilter.unknown(
                "web", Set.of("staging--web", "production--web", "staging--api"), false))
        .hasValue(
            "no service named 'web'; known: production--web, staging--api, staging--web"
                + " (a service of an environment is ENV--SERVICE: production--web,"
                + " staging--web)");
  }
}
