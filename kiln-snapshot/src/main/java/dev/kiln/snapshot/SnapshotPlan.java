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
 * @param journalHead the journal's anchor file ({@code journal-head}), read before the journal is
 *     copied so the copy always holds the checkpoint it names
 */
public record SnapshotPlan(
    Path journalDb,
    ImageStore store,
    List<Descriptor> images,
    Optional<Path> routeTable,
    Optional<Path> volumes,
    Optional<Path> journalHead) {
  public SnapshotPlan {
    images = List.copyOf(images);
  }

  /** With the anchor file beside the journal ({@code journal-head}), if there is one. */
  public SnapshotPlan(
      Path journalDb,
      ImageStore store,
      List<Descriptor> images,
      Optional<Path> routeTable,
      Optional<Path> volumes) {
    this(
        journalDb,
        store,
        images,
        routeTable,
        volumes,
        Optional.of(dev.kiln.journal.Anchoring.beside(journalDb).head()));
  }
}
