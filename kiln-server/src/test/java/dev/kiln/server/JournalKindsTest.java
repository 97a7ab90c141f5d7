package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.EventKind;
import dev.kiln.model.JournalKinds;
import java.util.Arrays;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The blueprint checks {@code notify: { events }} against {@link JournalKinds} (kiln-model cannot
 * see this module): that list must be exactly the kinds this server writes.
 */
class JournalKindsTest {
  @Test
  void theModelsListIsEveryKindTheServerJournals() {
    TreeSet<String> written = new TreeSet<>();
    EventCodecTest.samples().stream()
        .filter(e -> !(e instanceof JournalEvent.Noted))
        .forEach(e -> written.add(e.kind()));
    Arrays.stream(EventKind.values()).forEach(k -> written.add(k.kind()));
    assertThat(JournalKinds.ALL)
        .as("dev.kiln.model.JournalKinds.ALL must list every journal kind (add new ones there)")
        .containsExactlyElementsOf(written);
  }
}
