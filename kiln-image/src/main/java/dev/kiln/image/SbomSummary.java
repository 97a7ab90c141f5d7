package dev.kiln.image;

import java.util.List;

/**
 * What {@code kiln inspect} shows of an image's SBOM.
 *
 * @param sbom the SBOM artifact's manifest
 * @param topLevel the image's top-level folders and files ({@code bin}, {@code etc}, …), sorted
 */
public record SbomSummary(Descriptor sbom, int fileCount, int packageCount, List<String> topLevel) {
  public SbomSummary {
    topLevel = List.copyOf(topLevel);
  }
}
