package dev.kiln.runtime.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectImageResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.kiln.model.Digest;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.VerifiedBlobs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes a Kiln image available to the engine under {@code kiln/image:<manifest hex>}. The engine's
 * image id is the config digest, so an existing tag is trusted only if it points at exactly that
 * config. Before a driver object uses an image for the first time it re-hashes every blob of it,
 * even if the engine already has it: the source is never trusted, and a store whose content has
 * changed is refused rather than silently ignored.
 */
final class DockerImages {
  private final DockerClient docker;
  private final Path work;
  private final Set<Digest> verified = ConcurrentHashMap.newKeySet();

  DockerImages(DockerClient docker, Path work) {
    this.docker = docker;
    this.work = work;
  }

  static String tag(Digest manifest) {
    return "kiln/image:" + manifest.hex();
  }

  synchronized String ensure(ImageContent image) {
    Digest digest = image.manifestDigest();
    String tag = tag(digest);
    try {
      if (!verified.contains(digest)) verifyBlobs(image);
      verified.add(digest);
      String expectedId = "sha256:" + image.config().digest().hex();
      if (present(tag).filter(expectedId::equals).isPresent()) return tag;
      load(image, tag);
      if (present(tag).filter(expectedId::equals).isEmpty()) {
        throw new RuntimeDriverException(
            "image "
                + digest
                + ": the engine loaded it but "
                + tag
                + " does not point at config "
                + image.config().digest());
      }
      return tag;
    } catch (IOException e) {
      throw new RuntimeDriverException("image " + digest + ": " + e.getMessage(), e);
    }
  }

  private static void verifyBlobs(ImageContent image) throws IOException {
    VerifiedBlobs.readAll(image.config());
    for (ImageContent.Blob layer : image.layers()) {
      try (InputStream in = VerifiedBlobs.openRaw(layer)) {
        VerifiedBlobs.drain(in);
      }
    }
  }

  private Optional<String> present(String tag) {
    try {
      InspectImageResponse image = docker.inspectImageCmd(tag).exec();
      return Optional.ofNullable(image.getId());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  private void load(ImageContent image, String tag) throws IOException {
    Files.createDirectories(work);
    Path dir = Files.createTempDirectory(work, "load-");
    try {
      Path archive = dir.resolve("image.tar");
      DockerArchive.write(image, tag, archive, dir);
      try (InputStream in = Files.newInputStream(archive)) {
        docker.loadImageCmd(in).exec();
      }
    } finally {
      try (var files = Files.list(dir)) {
        for (Path f : files.toList()) Files.deleteIfExists(f);
      }
      Files.deleteIfExists(dir);
    }
  }
}
