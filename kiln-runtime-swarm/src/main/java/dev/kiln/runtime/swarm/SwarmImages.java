package dev.kiln.runtime.swarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.RegistryException;
import dev.kiln.registry.RegistryOptions;
import dev.kiln.registry.RegistryRef;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.VerifiedBlobs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts a Kiln image in the registry the swarm's nodes pull from, and names it there by digest.
 * Every blob is re-hashed on its way out (the image source is not trusted), so a tampered store is
 * refused before anything reaches the registry. The manifest is written from the verified config
 * and layers: the runtime SPI hands drivers blobs, not the store's manifest bytes, so the registry
 * digest is that of this manifest (the same as the store's when the store wrote no annotations).
 */
final class SwarmImages {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";

  private final RegistryRef repository;
  private final RegistryOptions options;
  private final Path work;
  private final Map<Digest, String> pushed = new ConcurrentHashMap<>();
  private final Map<Digest, ImageFiles> files = new ConcurrentHashMap<>();

  SwarmImages(RegistryRef repository, RegistryOptions options, Path work) {
    this.repository = repository;
    this.options = options;
    this.work = work;
  }

  /** {@code REGISTRY/REPO@sha256:…}, pushed if this driver object has not pushed it yet. */
  synchronized String ensure(ImageContent image) {
    String known = pushed.get(image.manifestDigest());
    if (known != null) return known;
    RegistryClient client = new RegistryClient(repository, options, true);
    try {
      Files.createDirectories(work);
      push(client, image.config());
      for (ImageContent.Blob layer : image.layers()) push(client, layer);
      byte[] manifest = manifest(image);
      Digest digest = client.putManifest(Digest.of(manifest).toString(), MANIFEST, manifest);
      String ref = repository.registry() + "/" + repository.repository() + "@" + digest;
      pushed.put(image.manifestDigest(), ref);
      return ref;
    } catch (IOException e) {
      throw new RuntimeDriverException(
          "image " + image.manifestDigest() + ": " + e.getMessage(), e);
    } catch (RegistryException e) {
      throw new RuntimeDriverException(
          "image "
              + image.manifestDigest()
              + ": cannot push it to "
              + repository
              + " for the swarm's nodes to pull: "
              + e.getMessage(),
          e);
    }
  }

  /** The image's files (read once per driver object and image), to check commands against. */
  ImageFiles files(ImageContent image) {
    return files.computeIfAbsent(
        image.manifestDigest(),
        d -> {
          try {
            return ImageFiles.of(image);
          } catch (IOException e) {
            throw new RuntimeDriverException("image " + d + ": " + e.getMessage(), e);
          }
        });
  }

  /** Reads the blob through its hash check into a temp file, then uploads it unless present. */
  private void push(RegistryClient client, ImageContent.Blob blob) throws IOException {
    Path file = Files.createTempFile(work, "blob-", ".tmp");
    try {
      try (InputStream in = VerifiedBlobs.openRaw(blob);
          OutputStream out = Files.newOutputStream(file)) {
        in.transferTo(out); // throws at EOF if the bytes are not the blob's
      }
      if (!client.hasBlob(blob.digest())) client.pushBlob(blob.digest(), file);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  static byte[] manifest(ImageContent image) {
    ObjectNode m = JSON.createObjectNode();
    m.put("schemaVersion", 2).put("mediaType", MANIFEST);
    m.set("config", descriptor(image.config().mediaType(), image.config()));
    var layers = m.putArray("layers");
    for (ImageContent.Blob l : image.layers()) layers.add(descriptor(l.mediaType(), l));
    try {
      return JSON.writeValueAsBytes(m);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode descriptor(String mediaType, ImageContent.Blob blob) {
    ObjectNode d = JSON.createObjectNode();
    d.put("mediaType", mediaType).put("digest", blob.digest().toString()).put("size", blob.size());
    return d;
  }
}
