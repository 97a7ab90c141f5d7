package dev.kiln.api;

import java.util.List;

/**
 * {@code POST /v1/patches} ({@code kiln patch}): the advisory feed's digest, and per service the
 * image rebaked, its digest before and after, and the advisories the new one fixes.
 */
public record PatchesRequest(String feed, List<Patch> patches) {
  public PatchesRequest {
    // left out reads as none: the server answers that it needs at least one
    patches = patches == null ? List.of() : List.copyOf(patches);
  }

  /** One service's patch: a {@code patch-started} entry. */
  public record Patch(
      String service, String image, String from, String to, List<String> advisories) {
    public Patch {
      advisories = advisories == null ? List.of() : List.copyOf(advisories);
    }
  }
}
