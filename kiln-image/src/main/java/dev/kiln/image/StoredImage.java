package dev.kiln.image;

import dev.kiln.model.KilnException;
import java.util.ArrayList;
import java.util.List;

/**
 * A tagged image as {@link ImageStore#images} finds it: readable, or damaged with the reason, so
 * that one bad object is named while the rest of the store stays usable.
 */
public sealed interface StoredImage permits StoredImage.Readable, StoredImage.Damaged {
  String name();

  /** The index entry: the digest of the manifest the name points at. */
  Descriptor manifest();

  /** Its manifest and config blobs hash to their digests, and every layer blob is present. */
  record Readable(String name, Descriptor manifest, ImageManifest content) implements StoredImage {}

  /**
   * @param reason what is wrong, naming the blob, e.g. "blob sha256:… does not match its digest"
   */
  record Damaged(String name, Descriptor manifest, String reason) implements StoredImage {
    /** What to do about a damaged image. */
    public static final String HINT =
        "bake it again (kiln bake) to replace it; the other images are not affected";

    /** "image NAME is damaged: REASON; what to do" (the store's reasons may say it already). */
    public String message() {
      return "image "
          + name
          + " is damaged: "
          + reason
          + (reason.contains("kiln bake") ? "" : "; " + HINT);
    }
  }

  /**
   * Checks what can be checked cheaply: the manifest and config are re-hashed and parsed; layers
   * (which may be gigabytes) are checked for presence and size only. Unpacking re-hashes them.
   */
  static StoredImage check(ImageStore store, String name, Descriptor entry) {
    try {
      ImageManifest m = store.manifest(entry.digest());
      store.config(m);
      List<String> problems = new ArrayList<>();
      for (Descriptor layer : m.layers()) {
        if (!store.has(layer.digest())) {
          problems.add("layer " + layer.digest() + " is missing");
        } else if (store.size(layer.digest()) != layer.size()) {
          problems.add(
              "layer "
                  + layer.digest()
                  + " has "
                  + store.size(layer.digest())
                  + " bytes, its manifest says "
                  + layer.size());
        }
      }
      if (!problems.isEmpty()) return new Damaged(name, entry, String.join("; ", problems));
      return new Readable(name, entry, m);
    } catch (KilnException e) {
      return new Damaged(name, entry, e.getMessage());
    }
  }
}
