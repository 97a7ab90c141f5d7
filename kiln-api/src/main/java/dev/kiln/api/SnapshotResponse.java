package dev.kiln.api;

import java.util.List;

/**
 * The snapshot written: its file, size, members, the journal seq it holds up to, the key that
 * signed it, its sha256, and the revisions whose images it holds ({@code service@revision}).
 */
public record SnapshotResponse(
    String file,
    long bytes,
    int members,
    long journalSeq,
    String keyId,
    String sha256,
    List<String> revisions) {
  public SnapshotResponse {
    revisions = List.copyOf(revisions);
  }
}
