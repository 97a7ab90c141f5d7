package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Reads a store's {@code index.json}, never mistaking a damaged one for an empty store. The index
 * is the only record of the tags: read as empty, a lost index would make {@code kiln up} rebake
 * every image without a word, and the next tag would overwrite what is left. So an index that is
 * missing, empty or unreadable while blobs are present is an error with a repair hint; without
 * blobs there is nothing to lose (a first open that was interrupted), and it reads as empty.
 */
final class StoreIndex {
  private StoreIndex() {}

  static List<Descriptor> read(Path dir, Path blobs) {
    Path index = dir.resolve("index.json");
    byte[] content;
    try {
      content = Files.readAllBytes(index);
    } catch (NoSuchFileException e) {
      return orEmptyWithoutBlobs(index, blobs, "is missing");
    } catch (IOException e) {
      throw new ImageException("cannot read " + index + ": " + e.getMessage(), e);
    }
    Optional<String> problem;
    List<Descriptor> out = new ArrayList<>();
    if (content.length == 0) {
      problem = Optional.of("is empty (0 bytes)");
    } else {
      problem = descriptors(content, index, out);
    }
    return problem.isEmpty() ? out : orEmptyWithoutBlobs(index, blobs, problem.get());
  }

  /**
   * Whether {@code index.json} is present and readable; if not, {@link ImageStore#open} rewrites it
   * (through {@link #read}, which refuses when there are blobs to lose).
   */
  static boolean wellFormed(Path index) {
    try {
      byte[] content = Files.readAllBytes(index);
      return content.length > 0 && descriptors(content, index, new ArrayList<>()).isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  /** Fills {@code out} from the index; the problem, if it is not a well-formed image index. */
  private static Optional<String> descriptors(byte[] content, Path index, List<Descriptor> out) {
    try {
      JsonNode node = Json.parse(content, index.toString());
      JsonNode manifests = node.path("manifests");
      if (!manifests.isArray()) return Optional.of("has no \"manifests\" list");
      for (JsonNode m : manifests) out.add(Descriptor.fromJson(m, index.toString()));
      return Optional.empty();
    } catch (ImageException | IllegalArgumentException e) {
      return Optional.of("cannot be read: " + e.getMessage());
    }
  }

  private static List<Descriptor> orEmptyWithoutBlobs(Path index, Path blobs, String problem) {
    long count = blobCount(blobs);
    if (count == 0) return List.of();
    Path store = index.getParent();
    throw new ImageException(
        index
            + " "
            + problem
            + ", but the store holds "
            + count
            + (count == 1 ? " blob" : " blobs")
            + ": the image names are lost, and reading it as an empty store would rebake"
            + " everything. Restore index.json from a backup, or move the store aside (mv "
            + store
            + " "
            + store
            + ".damaged) and bake again with `kiln bake`");
  }

  private static long blobCount(Path blobs) {
    try (Stream<Path> files = Files.list(blobs)) {
      return files.count();
    } catch (NoSuchFileException e) {
      return 0;
    } catch (IOException e) {
      throw new ImageException("cannot list " + blobs + ": " + e.getMessage(), e);
    }
  }
}
