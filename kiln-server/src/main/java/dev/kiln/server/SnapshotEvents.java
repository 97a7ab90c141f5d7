package dev.kiln.server;

import java.util.Optional;

/**
 * The {@link JournalEvent} kinds of snapshots: created, drilled, restored. This interface only
 * groups their records in a file of their own: {@link JournalEvent} extends it so that each stays
 * named {@code JournalEvent.Xxx}, and its {@code permits} list is the family.
 */
interface SnapshotEvents {
  /**
   * A snapshot was written ({@code kiln snapshot create}, or the schedule): the file, the journal
   * seq it holds (this entry comes after it) and the archive's sha256.
   */
  record SnapshotCreated(String file, long journalSeq, long bytes, int members, String sha256)
      implements JournalEvent {
    public String kind() {
      return "snapshot-created";
    }

    public String subject() {
      return "snapshot";
    }
  }

  /**
   * A scheduled snapshot was restored into a scratch home and checked there (files, journal,
   * projection, plan): only a good one counts as a backup; {@code verdict} says what was proven or
   * what failed.
   */
  record SnapshotDrill(String file, long journalSeq, boolean good, String verdict)
      implements JournalEvent {
    public String kind() {
      return "snapshot-drill";
    }

    public String subject() {
      return "snapshot";
    }
  }

  /**
   * This home was restored from a snapshot ({@code kiln restore}); the entry's actor says by whom.
   * {@code toSeq} is set for a point-in-time restore (the journal then ends at that seq before this
   * entry).
   */
  record Restored(String snapshot, long journalSeq, Optional<Long> toSeq, String keyId)
      implements JournalEvent {
    public String kind() {
      return "restored";
    }

    public String subject() {
      return "server";
    }
  }
}
