package dev.kiln.image;

import dev.kiln.model.Digest;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;

/**
 * Writes a blob to a temp file while hashing it; {@link #commit} moves it under its digest. Closing
 * without committing discards it. Not thread-safe.
 */
public final class BlobSink extends OutputStream {
  static final java.util.Set<java.nio.file.attribute.PosixFilePermission> READABLE =
      java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--");

  private final Path temp;
  private final Path blobs;
  private final OutputStream out;
  private final MessageDigest sha = Digest.newSha256();
  private long size;
  private boolean done;

  private BlobSink(Path temp, Path blobs, OutputStream out) {
    this.temp = temp;
    this.blobs = blobs;
    this.out = out;
  }

  static BlobSink create(Path tmp, Path blobs) {
    try {
      Path temp = Files.createTempFile(tmp, "blob-", ".tmp");
      return new BlobSink(
          temp, blobs, new java.io.BufferedOutputStream(Files.newOutputStream(temp), 1 << 16));
    } catch (IOException e) {
      throw new ImageException("cannot create a blob in " + tmp + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void write(int b) throws IOException {
    out.write(b);
    sha.update((byte) b);
    size++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    out.write(b, off, len);
    sha.update(b, off, len);
    size += len;
  }

  public long size() {
    return size;
  }

  /** Makes the blob visible under its digest (deduplicated if already present). */
  public Descriptor commit(String mediaType) {
    if (done) throw new IllegalStateException("blob already committed or aborted");
    done = true;
    Digest digest = Digest.ofHash(sha);
    try {
      out.close();
      try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      // Temp files are created owner-only; blobs are content, readable like any image layout.
      Files.setPosixFilePermissions(temp, READABLE);
      Path target = blobs.resolve(digest.hex());
      // A present blob of the right size is kept (re-hashing it on every cache hit would cost a
      // full read); one of the wrong size is damaged, and rename() replaces it atomically.
      if (Files.exists(target) && Files.size(target) == size) {
        Files.delete(temp);
      } else {
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException raced) {
          Files.deleteIfExists(temp);
        }
      }
      return new Descriptor(mediaType, digest, size);
    } catch (IOException e) {
      throw new ImageException("cannot store blob " + digest + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() throws IOException {
    if (!done) {
      done = true;
      out.close();
      Files.deleteIfExists(temp);
    }
  }
}
