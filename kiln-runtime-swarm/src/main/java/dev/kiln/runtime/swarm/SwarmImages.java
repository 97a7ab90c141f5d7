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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Puts a Kiln image in the registry the swarm's nodes pull from, and names it there by digest.
 * Every blob is re-hashed on its way out (the image source is not trusted), so a tampered store is
 * refused before anything reaches the registry. The manifest pushed is the source's own manifest
 * blob ({@link ImageContent#manifest()}), re-hashed like the rest, so the image in the registry has
 * the store's digest by construction — the nodes run exactly the digest Kiln signed. Only a source
 * that keeps no manifest gets one written from the config and layers (then the digests agree only
 * if the source's manifest carried nothing else, e.g. no annotations).
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
      String mediaType = image.manifest().map(ImageContent.Blob::mediaType).orElse(MANIFEST);
      // read through the hash check first: if the manifest is not the image's, nothing is pushed
      byte[] manifest =
          image.manifest().isPresent()
              ? VerifiedBlobs.readAll(image.manifest().get())
              : manifest(image);
      requireDescribes(manifest, image);
      push(client, image.config());
      for (ImageContent.Blob layer : image.layers()) push(client, layer);
      Digest digest = client.putManifest(Digest.of(manifest).toString(), mediaType, manifest);
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

  /**
   * The manifest pushed must name the config and layers pushed (and checked against the image's
   * files): the nodes run what the manifest names.
   */
  static void requireDescribes(byte[] manifest, ImageContent image) throws IOException {
    var node = JSON.readTree(manifest);
    List<String> named = new ArrayList<>();
    named.add(node.path("config").path("digest").asText());
    node.path("layers").forEach(l -> named.add(l.path("digest").asText()));
    List<String> blobs = new ArrayList<>();
    blobs.add(image.config().digest().toString());
    image.layers().forEach(l -> blobs.add(l.digest().toString()));
    if (!named.equals(blobs)) {
      throw new RuntimeDriverException(
          "image "
              + image.manifestDigest()
              + ": its manifest names "
              + named
              + " but the image source gave "
              + blobs
              + "; the image store is inconsistent, re-bake or re-pull the image");
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
