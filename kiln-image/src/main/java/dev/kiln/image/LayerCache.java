package dev.kiln.image;

import dev.kiln.model.Digest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;

/**
 * Layers by the inputs of the step that made them: {@code <dir>/<key hex>.json} holds the layer's
 * descriptor. A key covers the layers below (so a change rebuilds every later step), the step's
 * definition and its file inputs, and the epoch. An entry whose blob is gone from the store is a
 * miss. Entries are written to a temp file and moved, so a killed bake leaves no half entry.
 */
final class LayerCache {
  private final Path dir;
  private final boolean enabled;

  LayerCache(Path dir, boolean enabled) {
    this.dir = dir;
    this.enabled = enabled;
  }

  /**
   * The cache key: sha256 over the parents' digests, then each part, each followed by a NUL so that
   * ("ab","c") and ("a","bc") differ.
   */
  static Digest key(List<Descriptor> parents, List<String> parts) {
    MessageDigest sha = Digest.newSha256();
    for (Descriptor p : parents) update(sha, p.digest().toString());
    update(sha, "--");
    for (String part : parts) update(sha, part);
    return Digest.ofHash(sha);
  }

  private static void update(MessageDigest sha, String s) {
    sha.update(s.getBytes(StandardCharsets.UTF_8));
    sha.update((byte) 0);
  }

  Optional<Descriptor> get(ImageStore store, Digest key) {
    if (!enabled) return Optional.empty();
    Path entry = dir.resolve(key.hex() + ".json");
    byte[] content;
    try {
      content = Files.readAllBytes(entry);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new ImageException("cannot read layer cache entry " + entry + ": " + e.getMessage(), e);
    }
    Descriptor layer;
    try {
      layer = Descriptor.fromJson(Json.parse(content, entry.toString()), entry.toString());
    } catch (RuntimeException corrupt) {
      return Optional.empty(); // a damaged entry is a miss; the rebuilt layer overwrites it
    }
    return store.has(layer.digest()) ? Optional.of(layer) : Optional.empty();
  }

  void put(Digest key, Descriptor layer) {
    if (!enabled) return;
    try {
      Files.createDirectories(dir);
      Path temp = Files.createTempFile(dir, key.hex(), ".tmp");
      try {
        Files.write(temp, Json.bytes(layer.toJson()));
        Files.move(temp, dir.resolve(key.hex() + ".json"), StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(temp);
      }
    } catch (IOException e) {
      throw new ImageException(
          "cannot write layer cache entry in " + dir + ": " + e.getMessage(), e);
    }
  }
}
