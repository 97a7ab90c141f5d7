package dev.kiln.snapshot;

import java.util.regex.Pattern;

/**
 * One file in a snapshot: its path inside the archive, size and sha256. Paths are checked before
 * anything is written for them: relative, no {@code ..}, and under one of the known folders, so a
 * hand-made archive cannot place a file outside the home it is restored into.
 */
public record Member(String path, long size, String sha256) {
  private static final Pattern SAFE =
      Pattern.compile(
          "(journal/state\\.db|journal/journal-head|images/oci-layout|images/index\\.json|images/blobs/sha256/[0-9a-f]{64}"
              + "|router/table\\.json|keys/host\\.pub|volumes/[a-z0-9][a-z0-9-]{0,62}/[a-z0-9][a-z0-9_.-]{0,62}(/[^/\\x00]+)*)");
  private static final Pattern SHA = Pattern.compile("[0-9a-f]{64}");

  public Member {
    requireSafe(path);
    if (size < 0) throw new SnapshotException("member " + path + ": negative size");
    if (!SHA.matcher(sha256).matches())
      throw new SnapshotException("member " + path + ": bad sha256");
  }

  static void requireSafe(String path) {
    if (!SAFE.matcher(path).matches()
        || path.contains("/../")
        || path.endsWith("/..")
        || path.contains("/./")) {
      throw new SnapshotException("member " + path + ": not a path a snapshot may hold");
    }
  }
}
