package dev.kiln.image;

import dev.kiln.model.Digest;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.security.MessageDigest;

/** Hashes what is read and fails at end of stream if the content is not what its digest says. */
final class VerifyingInputStream extends FilterInputStream {
  private final Digest expected;
  private final Path where;
  private final MessageDigest sha = Digest.newSha256();
  private boolean checked;

  VerifyingInputStream(InputStream in, Digest expected, Path where) {
    super(in);
    this.expected = expected;
    this.where = where;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b < 0) check();
    else sha.update((byte) b);
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n < 0) check();
    else sha.update(b, off, n);
    return n;
  }

  @Override
  public long skip(long n) throws IOException {
    // Skipping would leave bytes unhashed; read them instead.
    byte[] buf = new byte[8192];
    long skipped = 0;
    while (skipped < n) {
      int r = read(buf, 0, (int) Math.min(buf.length, n - skipped));
      if (r < 0) break;
      skipped += r;
    }
    return skipped;
  }

  private void check() {
    if (checked) return;
    checked = true;
    Digest actual = Digest.ofHash(sha);
    if (!actual.equals(expected)) {
      throw new ImageException(
          "blob "
              + expected
              + " is corrupt: "
              + where
              + " hashes to "
              + actual
              + "; remove it and bake again (kiln bake) or re-import the image");
    }
  }
}
