package dev.kiln.scan;

import java.util.Map;

/**
 * The Debian release of an image, as os-release names it: {@code VERSION_ID} ({@code 12}, what OSV
 * ecosystems use) and {@code VERSION_CODENAME} ({@code bookworm}, what the tracker uses).
 */
public record OsRelease(String id, String versionId, String codename) {
  /** The codenames of the numbered releases, for os-release files (or SBOMs) that give one only. */
  private static final Map<String, String> CODENAMES =
      Map.of(
          "9",
          "stretch",
          "10",
          "buster",
          "11",
          "bullseye",
          "12",
          "bookworm",
          "13",
          "trixie",
          "14",
          "forky");

  public OsRelease {
    if (codename.isEmpty()) codename = CODENAMES.getOrDefault(versionId, "");
    if (versionId.isEmpty())
      for (Map.Entry<String, String> e : CODENAMES.entrySet())
        if (e.getValue().equals(codename)) versionId = e.getKey();
  }

  /** {@code --release 12} or {@code --release bookworm}. */
  public static OsRelease debian(String release) {
    return release.chars().allMatch(Character::isDigit)
        ? new OsRelease("debian", release, "")
        : new OsRelease("debian", "", release);
  }

  @Override
  public String toString() {
    return id + " " + versionId + (codename.isEmpty() ? "" : " (" + codename + ")");
  }
}
