package dev.kiln.journal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code entries(query, limit)}: a tail read a page at a time (the event stream's catch-up). */
class JournalPageTest {
  @TempDir Path tmp;

  @Test
  void aPageIsTheFirstEntriesAfterTheSequence_inOrder() {
    try (Journal j = Journal.open(tmp.resolve("state.db"), Clock.systemUTC())) {
      for (int i = 0; i < 10; i++)
        j.append(new EntryDraft("t", i % 2 == 0 ? "even" : "odd", "s", "c", "{}"));
      assertThat(j.entries(Query.all().afterSeq(3), 4))
          .extracting(Entry::seq)
          .containsExactly(4L, 5L, 6L, 7L);
      assertThat(j.entries(Query.all().kind("odd"), 2))
          .extracting(Entry::seq)
          .containsExactly(2L, 4L);
      assertThat(j.entries(Query.all().afterSeq(9), 100))
          .extracting(Entry::seq)
          .containsExactly(10L);
      assertThatThrownBy(() -> j.entries(Query.all(), 0)).isInstanceOf(JournalException.class);
    }
  }
}
