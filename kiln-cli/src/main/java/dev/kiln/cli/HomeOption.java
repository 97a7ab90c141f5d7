package dev.kiln.cli;

import dev.kiln.image.ImageException;
import dev.kiln.image.ImageStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Where the image commands find the image store and the host key. {@code --home} is hidden: it
 * exists so tests (and scripts juggling several homes) need not set $KILN_HOME.
 */
public final class HomeOption {
  @Option(
      names = "--home",
      hidden = true,
      paramLabel = "DIR",
      description = "Kiln's state folder (default: $KILN_HOME or ~/.kiln).")
  Optional<Path> home = Optional.empty();

  public Path home() {
    return home.orElseGet(KilnHome::resolve);
  }

  public Path images() {
    return home().resolve("images");
  }

  public Path keys() {
    return home().resolve("keys");
  }

  /**
   * The image store, if one exists: read-only commands do not create one. Blobs without an index
   * are a damaged store, which {@link ImageStore#open} names, not a missing one.
   */
  public Optional<ImageStore> existingStore() {
    return Files.isRegularFile(images().resolve("index.json"))
            || Files.isDirectory(images().resolve("blobs"))
        ? Optional.of(ImageStore.open(images()))
        : Optional.empty();
  }

  public ImageStore requireStore() {
    return existingStore()
        .orElseThrow(
            () ->
                new ImageException(
                    "no image store in " + images() + "; bake an image first (kiln bake)"));
  }
}
