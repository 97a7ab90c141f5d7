package dev.kiln.snapshot;

import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What goes into a snapshot. The caller (the control plane, which knows the live revisions and the
 * rollback targets) chooses the images; the writer takes each with its config, layers and referrers
 * (signature, SBOM).
 *
 * @param journalDb the live journal; copied consistently while it keeps being written
 * @param images image manifests to include, tagged ones keep their name
 * @param routeTable the router's persisted table, if any
 * @param volumes the home's volumes folder, only when asked for ({@code --volumes})
 */
public record SnapshotPlan(
    Path journalDb,
    ImageStore store,
    List<Descriptor> images,
    Optional<Path> routeTable,
    Optional<Path> volumes) {
  public SnapshotPlan {
    images = List.copyOf(images);
  }
}
