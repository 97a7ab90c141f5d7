package dev.kiln.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.model.Digest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Pushes an image of the store to a registry, byte for byte: the manifest is the store's own blob,
 * so the pushed digest is the store's digest. Its signature and SBOM go along as OCI 1.1 referrers;
 * for a registry without the referrers API (Distribution 2.x) the spec's tag-schema fallback is
 * written: an image index tagged {@code sha256-<hex>} that lists them.
 */
public final class Push {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What a push did. */
  public record Result(
      RegistryRef target,
      Digest digest,
      int blobsUploaded,
      long bytesUploaded,
      int referrers,
      boolean fallbackTag) {}

  private Push() {}

  public static Result push(
      ImageStore store, String image, RegistryRef target, RegistryOptions options) {
    if (target.digest().isPresent()) {
      throw new RegistryException(
          "push to " + target + ": name a tag, not a digest (the digest is the image's own)");
    }
    Descriptor desc =
        store
            .resolve(image)
            .orElseThrow(
                () ->
                    new RegistryException(
                        "image " + image + " is not in the store; bake it first (kiln bake)"));
    RegistryClient client = new RegistryClient(target, options, true);
    Counter counter = new Counter();
    byte[] manifestBytes = store.read(desc.digest());
    ImageManifest manifest = ImageManifest.parse(manifestBytes, "manifest " + desc.digest());
    pushBlobs(store, client, manifest, counter);
    client.putManifest(desc.digest().toString(), MediaTypes.MANIFEST, manifestBytes);
    target.tag().ifPresent(t -> client.putManifest(t, MediaTypes.MANIFEST, manifestBytes));

    List<Descriptor> referrers = store.referrers(desc.digest(), Optional.empty());
    for (Descriptor r : referrers) {
      byte[] bytes = store.read(r.digest());
      pushBlobs(store, client, ImageManifest.parse(bytes, "referrer " + r.digest()), counter);
      client.putManifest(r.digest().toString(), MediaTypes.MANIFEST, bytes);
    }
    boolean fallback = false;
    if (!referrers.isEmpty() && !listsAll(client.referrers(desc.digest()), referrers)) {
      writeFallbackTag(client, desc.digest(), referrers);
      fallback = true;
    }
    return new Result(
        target.withDigest(desc.digest()),
        desc.digest(),
        counter.blobs,
        counter.bytes,
        referrers.size(),
        fallback);
  }

  /** The tag the OCI distribution spec's referrers fallback uses for a subject. */
  static String fallbackTag(Digest subject) {
    return Digest.ALGORITHM + "-" + subject.hex();
  }

  private static void pushBlobs(
      ImageStore store, RegistryClient client, ImageManifest m, Counter counter) {
    List<Descriptor> blobs = new ArrayList<>(m.layers());
    blobs.add(0, m.config());
    for (Descriptor b : blobs) {
      if (client.hasBlob(b.digest())) continue;
      store.verify(b.digest()); // never upload a damaged blob under its name
      client.pushBlob(b.digest(), store.path(b.digest()));
      counter.blobs++;
      counter.bytes += b.size();
    }
  }

  private static boolean listsAll(Optional<JsonNode> index, List<Descriptor> referrers) {
    if (index.isEmpty()) return false;
    List<String> listed = new ArrayList<>();
    index.get().path("manifests").forEach(m -> listed.add(m.path("digest").asText()));
    return referrers.stream().allMatch(r -> listed.contains(r.digest().toString()));
  }

  /** Merges our referrers into the fallback index (keeping what others listed there). */
  private static void writeFallbackTag(
      RegistryClient client, Digest subject, List<Descriptor> referrers) {
    String tag = fallbackTag(subject);
    Map<String, JsonNode> byDigest = new LinkedHashMap<>();
    client
        .getManifest(tag)
        .ifPresent(
            f -> {
              try {
                JSON.readTree(f.content())
                    .path("manifests")
                    .forEach(m -> byDigest.put(m.path("digest").asText(), m));
              } catch (java.io.IOException e) {
                // An unreadable fallback index is replaced by ours.
              }
            });
    for (Descriptor r : referrers) byDigest.put(r.digest().toString(), r.toJson());
    ObjectNode index = JSON.createObjectNode();
    index.put("schemaVersion", 2);
    index.put("mediaType", MediaTypes.INDEX);
    ArrayNode manifests = index.putArray("manifests");
    byDigest.values().forEach(manifests::add);
    try {
      client.putManifest(tag, MediaTypes.INDEX, JSON.writeValueAsBytes(index));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new RegistryException("cannot write the referrers index: " + e.getMessage(), e);
    }
  }

  private static final class Counter {
    int blobs;
    long bytes;
  }
}
