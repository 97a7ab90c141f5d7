package dev.kiln.snapshot;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;

/**
 * A gzip member written and read byte by byte: a fixed header, one stored (uncompressed) deflate
 * block, CRC32 and size. Unlike compressed data, every byte has exactly one allowed value given the
 * content, so a reader can check all of them — no padding bits or encoder choices to hide a change.
 */
final class StoredGzip {
  private StoredGzip() {}

  /** The fixed 10-byte header: magic, deflate, no flags, mtime 0, no extra flags, OS unknown. */
  static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};

  static final int MAX = 0xffff; // one stored block

  static byte[] member(byte[] content) {
    if (content.length > MAX)
      throw new IllegalArgumentException("a stored member holds at most 64 KiB");
    ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 23);
    out.writeBytes(HEADER);
    out.write(0x01); // BFINAL=1, BTYPE=00 (stored), the five padding bits zero
    le16(out, content.length);
    le16(out, ~content.length & 0xffff);
    out.writeBytes(content);
    CRC32 crc = new CRC32();
    crc.update(content);
    le32(out, (int) crc.getValue());
    le32(out, content.length);
    return out.toByteArray();
  }

  /** The content of a member built by {@link #member}, or a message saying which byte is wrong. */
  static byte[] parse(byte[] member) {
    if (member.length < HEADER.length + 5 + 8)
      throw new SnapshotException("signature member: truncated");
    for (int i = 0; i < HEADER.length; i++) {
      if (member[i] != HEADER[i])
        throw new SnapshotException("signature member: header byte " + i + " damaged");
    }
    int p = HEADER.length;
    if (member[p] != 0x01) throw new SnapshotException("signature member: block header damaged");
    int len = u16(member, p + 1);
    int nlen = u16(member, p + 3);
    if ((len ^ 0xffff) != nlen)
      throw new SnapshotException("signature member: block length damaged");
    int start = p + 5;
    if (member.length != start + len + 8) {
      throw new SnapshotException(
          "signature member: " + (member.length - start - len - 8) + " bytes too many or too few");
    }
    byte[] content = java.util.Arrays.copyOfRange(member, start, start + len);
    CRC32 crc = new CRC32();
    crc.update(content);
    if (u32(member, start + len) != (int) crc.getValue())
      throw new SnapshotException("signature member: CRC mismatch");
    if (u32(member, start + len + 4) != len)
      throw new SnapshotException("signature member: size field damaged");
    return content;
  }

  private static void le16(ByteArrayOutputStream out, int v) {
    out.write(v & 0xff);
    out.write((v >>> 8) & 0xff);
  }

  private static void le32(ByteArrayOutputStream out, int v) {
    le16(out, v & 0xffff);
    le16(out, (v >>> 16) & 0xffff);
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
  }

  private static int u32(byte[] b, int at) {
    return u16(b, at) | u16(b, at + 2) << 16;
  }
}
