package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.api.JournalEntry;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** `kiln journal` when nothing matches. */
class JournalTableTest {
  @Test
  void noEntriesOfAKind_saysWhatKindsLookLike() {
    assertThat(JournalCommand.table(List.<JournalEntry>of(), Optional.of("apply")))
        .startsWith("no journal entries match (kind 'apply': kinds are as in the KIND column")
        .contains("blueprint-applied");
    assertThat(JournalCommand.table(List.<JournalEntry>of(), Optional.empty()))
        .isEqualTo("no journal entries match\n");
  }
}
