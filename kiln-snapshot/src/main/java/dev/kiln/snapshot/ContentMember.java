package dev.kiln.snapshot;

import dev.kiln.model.Digest;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.GZIPOutputStream;
import java.util.zip.Inflater;
import org.jspecify.annotations.Nullable;

/**
 * Reads the first gzip member of a snapshot strictly: the header must be the writer's, the CRC and
 * size must match, and it hashes the member's exact bytes (what the signature covers). Whatever
 * follows the member is kept for the caller ({@link #rest()}) instead of being skipped or parsed as
 * another member.
 */
final class ContentMember extends InputStream {
  static final byte[] HEADER = writerHeader();
  private static final int MAX_REST = 1 << 20;

  private final InputStream raw;
  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final MessageDigest sha = Digest.newSha256();
  private final byte[] buf = new byte[1 << 16];
  private int bufLen;
  private long inflated;
  private boolean done;
  private byte @Nullable [] rest; // what follows the member, once read to its end

  ContentMember(InputStream raw) throws IOException {
    this.raw = raw;
    byte[] header = raw.readNBytes(HEADER.length);
    if (!Arrays.equals(header, HEADER))
      throw new IOException("the archive's gzip header is damaged or not Kiln's");
    sha.update(header);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (done) return -1;
    if (len == 0) return 0;
    try {
      while (true) {
        int n = inflater.inflate(b, off, len);
        if (n > 0) {
          crc.update(b, off, n);
          inflated += n;
          return n;
        }
        if (inflater.finished()) {
          finish();
          return -1;
        }
        if (inflater.needsDictionary())
          throw new IOException("compressed data damaged (dictionary)");
        if (inflater.needsInput()) {
          sha.update(buf, 0, bufLen); // all of the previous chunk was deflate data
          bufLen = raw.read(buf);
          if (bufLen < 0) throw new EOFException("the archive is truncated");
          inflater.setInput(buf, 0, bufLen);
        }
      }
    } catch (DataFormatException e) {
      throw new IOException("compressed data damaged: " + e.getMessage(), e);
    }
  }

  /**
   * The trailer: CRC32 and size of what was inflated; then everything after, kept as {@link #rest}.
   */
  private void finish() throws IOException {
    done = true;
    int remaining = inflater.getRemaining();
    int used = bufLen - remaining;
    sha.update(buf, 0, used);
    ByteArrayOutputStream after = new ByteArrayOutputStream();
    after.write(buf, used, remaining);
    byte[] more = raw.readNBytes(MAX_REST + 8);
    after.writeBytes(more);
    byte[] tail = after.toByteArray();
    if (tail.length < 8) throw new EOFException("the archive is truncated (gzip trailer)");
    sha.update(tail, 0, 8);
    int crcField =
        (tail[0] & 0xff) | (tail[1] & 0xff) << 8 | (tail[2] & 0xff) << 16 | (tail[3] & 0xff) << 24;
    int sizeField =
        (tail[4] & 0xff) | (tail[5] & 0xff) << 8 | (tail[6] & 0xff) << 16 | (tail[7] & 0xff) << 24;
    if (crcField != (int) crc.getValue())
      throw new IOException("the content's CRC does not match (damaged)");
    if (sizeField != (int) inflated)
      throw new IOException("the content's size field does not match (damaged)");
    if (tail.length - 8 > MAX_REST)
      throw new IOException("more than " + MAX_REST + " bytes after the content");
    rest = Arrays.copyOfRange(tail, 8, tail.length);
    inflater.end();
  }

  /** The sha256 of the member's exact bytes; only after the member was read to its end. */
  byte[] sha256() {
    if (!done) throw new IllegalStateException("content member not read to its end");
    return sha.digest();
  }

  byte[] rest() {
    if (!done || rest == null) {
      throw new IllegalStateException("content member not read to its end");
    }
    return rest;
  }

  private static byte[] writerHeader() {
    try {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      new GZIPOutputStream(b).close();
      return Arrays.copyOf(b.toByteArray(), 10);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
