package dev.kiln.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * A content-addressed image store in the OCI image-layout format ({@code oci-layout}, {@code
 * index.json}, {@code blobs/sha256/<hex>}), readable by skopeo, buildah and docker tooling.
 *
 * <p>Consistency without a database: a blob is written to {@code .tmp/} and moved into place under
 * its digest only once complete, so a visible blob is always whole. {@code index.json} (the tags)
 * is rewritten to a temp file and atomically moved, under a file lock, and only ever points at
 * manifests whose blobs are already present. A process killed at any moment leaves at worst a stray
 * temp file, which the next {@link #open} removes. Reads re-hash what they return, so a corrupted
 * blob is named rather than used.
 */
public final class ImageStore {
  private static final String LAYOUT = "{\"imageLayoutVersion\":\"1.0.0\"}";
  private static final ReentrantLock JVM_LOCK = new ReentrantLock();

  private final Path dir;
  private final Path blobs;
  private final Path tmp;

  private ImageStore(Path dir) {
    this.dir = dir;
    this.blobs = dir.resolve("blobs").resolve(Digest.ALGORITHM);
    this.tmp = dir.resolve(".tmp");
  }

  /** Opens the store at {@code dir}, creating an empty layout there if there is none. */
  public static ImageStore open(Path dir) {
    ImageStore store = new ImageStore(dir.toAbsolutePath().normalize());
    try {
      Files.createDirectories(store.blobs);
      Files.createDirectories(store.tmp);
      clearStaleTemps(store.tmp);
      if (!Files.exists(dir.resolve("oci-layout"))) {
        store.writeAtomically(dir.resolve("oci-layout"), LAYOUT.getBytes(StandardCharsets.UTF_8));
      }
      if (!StoreIndex.wellFormed(store.dir.resolve("index.json"))) {
        // A new store, or a first open that was interrupted; refused if blobs are present.
        store.updateIndex(entries -> entries);
      }
    } catch (IOException e) {
      throw new ImageException("cannot open image store " + dir + ": " + e.getMessage(), e);
    }
    return store;
  }

  private static void clearStaleTemps(Path tmp) throws IOException {
    // Only temps older than a minute: another process may be writing one right now.
    long cutoff = System.currentTimeMillis() - 60_000;
    try (var files = Files.list(tmp)) {
      for (Path f : files.toList()) {
        try {
          if (Files.getLastModifiedTime(f).toMillis() < cutoff) Files.deleteIfExists(f);
        } catch (IOException ignored) {
          // A concurrent open removed it first.
        }
      }
    }
  }

  public Path dir() {
    return dir;
  }

  // ---- blobs ----------------------------------------------------------------------------------

  /** A sink for a new blob; its content becomes visible only on {@link BlobSink#commit}. */
  public BlobSink newBlob() {
    return BlobSink.create(tmp, blobs);
  }

  public Descriptor put(String mediaType, byte[] content) {
    try (BlobSink sink = newBlob()) {
      sink.write(content);
      return sink.commit(mediaType);
    } catch (IOException e) {
      throw new ImageException("cannot write blob to " + dir + ": " + e.getMessage(), e);
    }
  }

  public boolean has(Digest digest) {
    return Files.isRegularFile(path(digest));
  }

  /** The blob's file. Read through {@link #open} unless the content was already verified. */
  public Path path(Digest digest) {
    return blobs.resolve(digest.hex());
  }

  /**
   * A stream over the blob that fails at its end if the content does not hash to {@code digest}.
   */
  public InputStream open(Digest digest) {
    try {
      return new VerifyingInputStream(Files.newInputStream(path(digest)), digest, path(digest));
    } catch (NoSuchFileException e) {
      throw new ImageException("blob " + digest + " is missing from image store " + dir);
    } catch (IOException e) {
      throw new ImageException("cannot read blob " + digest + ": " + e.getMessage(), e);
    }
  }

  public byte[] read(Digest digest) {
    try (InputStream in = open(digest)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new ImageException("cannot read blob " + digest + ": " + e.getMessage(), e);
    }
  }

  /** Re-hashes the whole blob; throws naming it if corrupt or missing. */
  public void verify(Digest digest) {
    try (InputStream in = open(digest)) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
    } catch (IOException e) {
      throw new ImageException("cannot read blob " + digest + ": " + e.getMessage(), e);
    }
  }

  public ImageManifest manifest(Digest digest) {
    return ImageManifest.parse(read(digest), "manifest " + digest);
  }

  public ImageConfig config(ImageManifest manifest) {
    return ImageConfig.parse(
        read(manifest.config().digest()), "config " + manifest.config().digest());
  }

  /** Stores a manifest (its config and layers must already be in the store). */
  public Descriptor putManifest(ImageManifest manifest) {
    requirePresent(manifest);
    return put(MediaTypes.MANIFEST, manifest.toBytes()).withArtifactType(manifest.artifactType());
  }

  private void requirePresent(ImageManifest manifest) {
    List<Descriptor> needed = new ArrayList<>(manifest.layers());
    needed.add(manifest.config());
    for (Descriptor d : needed) {
      if (!has(d.digest())) {
        throw new ImageException(
            "manifest refers to blob " + d.digest() + " which is not in image store " + dir);
      }
    }
  }

  // ---- index: tags and referrers ------------------------------------------------------------

  /** Points {@code name} at the manifest; the previous image of that name keeps its blobs. */
  public void tag(String name, Descriptor manifest) {
    if (!has(manifest.digest())) {
      throw new ImageException(
          "cannot tag " + name + ": manifest " + manifest.digest() + " is not in the store");
    }
    Descriptor entry =
        new Descriptor(manifest.mediaType(), manifest.digest(), manifest.size())
            .withAnnotations(java.util.Map.of(Descriptor.REF_NAME, name));
    updateIndex(
        entries -> {
          List<Descriptor> next = new ArrayList<>(entries);
          next.removeIf(d -> d.refName().filter(name::equals).isPresent());
          next.add(entry);
          return next;
        });
  }

  public void untag(String name) {
    updateIndex(
        entries -> {
          List<Descriptor> next = new ArrayList<>(entries);
          next.removeIf(d -> d.refName().filter(name::equals).isPresent());
          return next;
        });
  }

  /**
   * Records an OCI 1.1 artifact manifest (a signature, an SBOM) whose {@code subject} is an image,
   * so that {@link #referrers} finds it. The OCI layout has no referrers API; like oras, Kiln lists
   * artifacts in index.json without a ref name.
   */
  public void addReferrer(Descriptor artifactManifest) {
    if (artifactManifest.artifactType().isEmpty()) {
      throw new IllegalArgumentException("a referrer needs an artifactType");
    }
    updateIndex(
        entries -> {
          List<Descriptor> next = new ArrayList<>(entries);
          next.removeIf(d -> d.digest().equals(artifactManifest.digest()));
          next.add(artifactManifest);
          return next;
        });
  }

  /** Artifacts whose subject is {@code subject}, optionally of one artifact type. */
  public List<Descriptor> referrers(Digest subject, Optional<String> artifactType) {
    List<Descriptor> out = new ArrayList<>();
    for (Descriptor d : index()) {
      if (d.artifactType().isEmpty() || d.refName().isPresent()) continue;
      if (artifactType.isPresent() && !artifactType.equals(d.artifactType())) continue;
      if (!has(d.digest())) continue;
      ImageManifest m;
      try {
        m = manifest(d.digest());
      } catch (ImageException e) {
        // A corrupt artifact cannot say whose it is; it vouches for nothing (a signature that is
        // not found leaves the image unsigned), and it must not hide the others' artifacts.
        continue;
      }
      if (m.subject().map(s -> s.digest().equals(subject)).orElse(false)) out.add(d);
    }
    return out;
  }

  /** Tagged images, by name. */
  public List<Descriptor> tagged() {
    return index().stream()
        .filter(d -> d.refName().isPresent())
        .sorted(Comparator.comparing(d -> d.refName().orElseThrow()))
        .toList();
  }

  /**
   * Finds an image by name, by full digest ({@code sha256:…}) or by a unique digest prefix of at
   * least 12 hex characters.
   */
  public Optional<Descriptor> resolve(String ref) {
    for (Descriptor d : tagged()) {
      if (d.refName().orElseThrow().equals(ref)) return Optional.of(d);
    }
    String hex = ref.startsWith(Digest.ALGORITHM + ":") ? ref.substring(7) : ref;
    if (hex.length() >= 12 && hex.matches("[0-9a-f]+")) {
      // One image tagged under two names is still one match.
      List<Descriptor> matches =
          index().stream()
              .filter(d -> d.digest().hex().startsWith(hex))
              .collect(java.util.stream.Collectors.toMap(Descriptor::digest, d -> d, (a, b) -> a))
              .values()
              .stream()
              .toList();
      if (matches.size() == 1) return Optional.of(matches.get(0));
      if (hex.length() == 64 && has(new Digest(hex))) {
        return Optional.of(
            new Descriptor(MediaTypes.MANIFEST, new Digest(hex), size(new Digest(hex))));
      }
    }
    return Optional.empty();
  }

  public long size(Digest digest) {
    try {
      return Files.size(path(digest));
    } catch (IOException e) {
      throw new ImageException("blob " + digest + " is missing from image store " + dir);
    }
  }

  /**
   * Every descriptor in index.json, as written. Throws with a repair hint if index.json is missing,
   * empty or unreadable while blobs are present: that is a damaged store, not an empty one.
   */
  public List<Descriptor> index() {
    return StoreIndex.read(dir, blobs);
  }

  /** The tagged images, by name, each checked: one damaged image does not hide the others. */
  public List<StoredImage> images() {
    return tagged().stream()
        .map(d -> StoredImage.check(this, d.refName().orElseThrow(), d))
        .toList();
  }

  private void updateIndex(UnaryOperator<List<Descriptor>> change) {
    JVM_LOCK.lock();
    try (FileChannel lockFile =
            FileChannel.open(
                dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock ignored = lockFile.lock()) {
      List<Descriptor> next = new ArrayList<>(change.apply(index()));
      // A stable order keeps index.json itself reproducible.
      next.sort(
          Comparator.comparing((Descriptor d) -> d.refName().orElse("\uffff"))
              .thenComparing(Descriptor::digest));
      ObjectNode node = Json.object();
      node.put("schemaVersion", 2);
      node.put("mediaType", MediaTypes.INDEX);
      ArrayNode manifests = node.putArray("manifests");
      next.forEach(d -> manifests.add(d.toJson()));
      writeAtomically(dir.resolve("index.json"), Json.bytes(node));
    } catch (IOException e) {
      throw new ImageException(
          "cannot update " + dir.resolve("index.json") + ": " + e.getMessage(), e);
    } finally {
      JVM_LOCK.unlock();
    }
  }

  private void writeAtomically(Path target, byte[] content) throws IOException {
    Path temp = Files.createTempFile(tmp, target.getFileName().toString(), ".tmp");
    try {
      Files.write(temp, content);
      Files.setPosixFilePermissions(temp, BlobSink.READABLE);
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      Files.move(temp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }
}
