package dev.kiln.image;

import dev.kiln.blueprint.BlueprintFolder;
import dev.kiln.model.Base;
import dev.kiln.model.Digest;
import dev.kiln.oci.UnpackLimits;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** Turns a recipe's {@code from:} into the layers and config a bake starts from. */
final class BakerBases {
  /**
   * A resolved base.
   *
   * @param manifest the base image's manifest in the store; empty for scratch
   */
  record Resolved(
      Optional<Descriptor> manifest,
      List<Descriptor> layers,
      List<Digest> diffIds,
      ImageConfig config) {
    Resolved {
      layers = List.copyOf(layers);
      diffIds = List.copyOf(diffIds);
    }
  }

  private final ImageStore store;
  private final DebianBase debian;
  private final UnpackLimits limits;
  private final Path conformed;

  /**
   * @param conformed where {@link ImportedBase} remembers the bases it conformed
   */
  BakerBases(ImageStore store, DebianBase debian, UnpackLimits limits, Path conformed) {
    this.store = store;
    this.debian = debian;
    this.limits = limits;
    this.conformed = conformed;
  }

  /**
   * @param baked manifests of the images of this bake so far, for {@code image:} bases
   * @param where for messages: "kiln.yaml:3:11: image hello"
   */
  Resolved resolve(
      Base base,
      Map<String, Descriptor> baked,
      Instant epoch,
      String where,
      Consumer<String> note) {
    Descriptor manifest =
        switch (base) {
          case Base.Scratch s -> null;
          case Base.BlueprintImage i -> {
            Descriptor d = baked.get(i.name());
            if (d == null) {
              throw new BakerException(where + ": base image:" + i.name() + " was not baked first");
            }
            yield d;
          }
          case Base.OciLayout o -> {
            BlueprintFolder.baseProblem(base)
                .ifPresent(
                    problem -> {
                      throw new BakerException(where + ": " + problem);
                    });
            note.accept("importing " + BakerConfig.baseName(base));
            yield located(
                where,
                () ->
                    ImportedBase.conform(
                        store,
                        BaseImporter.importOciLayout(store, o.dir(), o.tag()),
                        limits,
                        conformed,
                        note));
          }
          case Base.DockerArchive a -> {
            BlueprintFolder.baseProblem(base)
                .ifPresent(
                    problem -> {
                      throw new BakerException(where + ": " + problem);
                    });
            note.accept("importing " + BakerConfig.baseName(base));
            yield located(
                where,
                () ->
                    ImportedBase.conform(
                        store,
                        BaseImporter.importDockerArchive(store, a.tar()),
                        limits,
                        conformed,
                        note));
          }
          case Base.Debian d -> located(where, () -> debian.ensure(store, d.suite()));
        };
    if (manifest == null) {
      return new Resolved(Optional.empty(), List.of(), List.of(), ImageConfig.empty(epoch));
    }
    ImageManifest m = store.manifest(manifest.digest());
    ImageConfig config = store.config(m);
    if (config.diffIds().size() != m.layers().size()) {
      throw new BakerException(
          where
              + ": base "
              + BakerConfig.baseName(base)
              + " is inconsistent: "
              + m.layers().size()
              + " layers but "
              + config.diffIds().size()
              + " diff ids");
    }
    return new Resolved(Optional.of(manifest), m.layers(), config.diffIds(), config);
  }

  private static Descriptor located(
      String where, java.util.function.Supplier<Descriptor> importer) {
    try {
      return importer.get();
    } catch (BakerException e) {
      throw e;
    } catch (ImageException e) {
      throw new BakerException(where + ": " + e.getMessage());
    }
  }
}
