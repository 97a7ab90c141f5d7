package dev.kiln.runtime;

import dev.kiln.model.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;

/**
 * Reads blobs while re-hashing them. The stream throws at end of input if the bytes do not match
 * the digest the blob claims, so a consumer that reads to the end (and must: see {@link #drain})
 * can never accept tampered content silently; whatever it built from the stream must be thrown away
 * then.
 */
public final class VerifiedBlobs {
  private VerifiedBlobs() {}

  /** The blob's bytes as stored (compressed if it is), checked against its digest at EOF. */
  public static InputStream openRaw(ImageContent.Blob blob) throws IOException {
    return new Checking(blob.open(), blob.digest(), blob.size());
  }

  /** The blob as an uncompressed tar stream, with the compressed bytes checked at EOF. */
  public static InputStream openTar(ImageContent.Blob blob) throws IOException {
    InputStream raw = openRaw(blob);
    return blob.gzipped() ? new GZIPInputStream(raw, 64 * 1024) : raw;
  }

  public static byte[] readAll(ImageContent.Blob blob) throws IOException {
    try (InputStream in = openRaw(blob)) {
      return in.readAllBytes();
    }
  }

  /**
   * Reads what is left (tar readers stop at the end-of-archive marker) so the hash covers it all.
   */
  public static void drain(InputStream in) throws IOException {
    in.transferTo(java.io.OutputStream.nullOutputStream());
  }

  private static final class Checking extends FilterInputStream {
    private final MessageDigest sha = Digest.newSha256();
    private final Digest expected;
    private final long expectedSize;
    private long count;
    private boolean checked;

    Checking(InputStream in, Digest expected, long expectedSize) {
      super(in);
      this.expected = expected;
      this.expectedSize = expectedSize;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b < 0) check();
      else {
        sha.update((byte) b);
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      int n = super.read(buf, off, len);
      if (n < 0) check();
      else {
        sha.update(buf, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      byte[] buf = new byte[8192];
      long left = n;
      while (left > 0) {
        int r = read(buf, 0, (int) Math.min(buf.length, left));
        if (r < 0) break;
        left -= r;
      }
      return n - left;
    }

    private void check() throws IOException {
      if (checked) return;
      checked = true;
      Digest actual = Digest.ofHash(sha);
      if (!actual.equals(expected) || (expectedSize >= 0 && count != expectedSize)) {
        throw new BlobMismatchException(
            "blob "
                + expected
                + " does not match its digest (read "
                + count
                + " bytes hashing to "
                + actual
                + "); the image store is corrupt or was tampered with: re-import the image");
      }
    }
  }

  /** Thrown (as an IOException, since it surfaces from a stream) when content does not match. */
  public static final class BlobMismatchException extends IOException {
    public BlobMismatchException(String message) {
      super(message);
    }
  }
}
