package dev.kiln.model;

import java.nio.file.Path;
import java.util.Optional;

/** What an image starts from. */
public sealed interface Base {
  Location at();

  /** The empty image. */
  record Scratch(Location at) implements Base {}

  /** An OCI image layout folder (Packer, buildah, skopeo output); {@code tag} picks a ref.name. */
  record OciLayout(Path dir, Optional<String> tag, Location at) implements Base {}

  /** A {@code docker save} tarball. */
  record DockerArchive(Path tar, Location at) implements Base {}

  /** Another image of the same blueprint, baked first. */
  record BlueprintImage(String name, Location at) implements Base {}

  /** A minimal Debian root made by debootstrap on first use and cached by digest. */
  record Debian(String suite, Location at) implements Base {}
}
