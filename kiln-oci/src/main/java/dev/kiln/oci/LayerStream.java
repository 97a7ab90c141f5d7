package dev.kiln.oci;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Optional;
import java.util.zip.GZIPInputStream;
import org.jspecify.annotations.Nullable;

/**
 * The uncompressed tar stream of one layer blob, bounded by {@link UnpackLimits} as it is read: for
 * everything that reads untrusted layers (the unpacker, the baker's import check), so a gzip bomb
 * stops while it inflates, before its content reaches the disk or burns minutes of CPU. Gzip is
 * told by its magic bytes, not the media type: docker archives mislabel both ways.
 */
public final class LayerStream {
  private static final int BUFFER = 1 << 16;

  private final Counting raw;
  private final Counting content;

  private LayerStream(Counting raw, Counting content) {
    this.raw = raw;
    this.content = content;
  }

  /**
   * @param imageBudget uncompressed bytes the image may still take (the per-image cap, less what
   *     earlier layers took)
   * @param layer names the layer in errors
   */
  public static LayerStream open(
      InputStream blob, UnpackLimits limits, long imageBudget, String layer) throws IOException {
    Counting raw = new Counting(new BufferedInputStream(blob, 1 << 20), limits, null, 0, 0);
    raw.mark(4);
    int b1 = raw.read();
    int b2 = raw.read();
    raw.reset();
    raw.count = 0;
    if (b1 == 0x28 && b2 == 0xb5) {
      throw new OciException(
          "layer "
              + layer
              + " is zstd-compressed, which Kiln does not read; convert the image with"
              + " skopeo copy --dest-compress-format gzip");
    }
    boolean gzip = b1 == 0x1f && b2 == 0x8b;
    // The JDK's inflater loop is markedly faster than commons-compress's on big layers.
    InputStream decompressed = gzip ? new GZIPInputStream(raw, BUFFER) : raw;
    Counting content =
        new Counting(
            new BufferedInputStream(decompressed, BUFFER),
            limits,
            gzip ? raw : null,
            limits.maxLayerBytes(),
            imageBudget);
    return new LayerStream(raw, content);
  }

  /** The uncompressed tar bytes; reading past a limit throws {@link EntryRefused}. */
  public InputStream tar() {
    return content;
  }

  /** Uncompressed bytes read so far. */
  public long uncompressedBytes() {
    return content.count;
  }

  /** Reads both streams to their end, so a verifying blob stream checks the whole digest. */
  public void finish() throws IOException {
    content.transferTo(OutputStream.nullOutputStream());
    raw.transferTo(OutputStream.nullOutputStream());
  }

  /**
   * After a parse error: reads the raw blob to its end and returns the error that gives, if any. A
   * corrupt blob usually breaks the gzip or tar parser first, and a verifying stream names the real
   * cause (a digest mismatch) only at its end. Bounded by the blob's size, not its expansion.
   */
  public Optional<String> drainForCause() {
    try {
      raw.transferTo(OutputStream.nullOutputStream());
      return Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.ofNullable(e.getMessage());
    }
  }

  /**
   * Counts the bytes read through it and refuses to go past a layer's or an image's budget, or (for
   * a gzip layer) past {@code maxRatio} times the compressed bytes read.
   */
  private static final class Counting extends FilterInputStream {
    private final UnpackLimits limits;
    private final @Nullable Counting compressed;
    private final long layerBudget;
    private final long imageBudget;
    long count;

    Counting(
        InputStream in,
        UnpackLimits limits,
        @Nullable Counting compressed, // the gzip stream below, counted against the ratio cap
        long layerBudget,
        long imageBudget) {
      super(in);
      this.limits = limits;
      this.compressed = compressed;
      this.layerBudget = layerBudget;
      this.imageBudget = imageBudget;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) add(1);
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) add(n);
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      long s = super.skip(n);
      if (s > 0) add(s);
      return s;
    }

    private void add(long n) throws EntryRefused {
      count += n;
      if (layerBudget == 0) return; // the raw counter only counts
      if (count > layerBudget) {
        throw new EntryRefused(
            "the layer expands past the limit of "
                + UnpackLimits.human(layerBudget)
                + " per layer (a tar bomb, or raise "
                + UnpackLimits.LAYER_ENV
                + ")");
      }
      if (count > imageBudget) {
        throw new EntryRefused(
            "the image expands past the limit of "
                + UnpackLimits.human(limits.maxImageBytes())
                + " per image (a tar bomb, or raise "
                + UnpackLimits.IMAGE_ENV
                + ")");
      }
      if (compressed != null
          && count > UnpackLimits.RATIO_FLOOR
          && count / Math.max(1, compressed.count) > limits.maxRatio()) {
        throw new EntryRefused(
            "the gzip layer expands more than "
                + limits.maxRatio()
                + " times ("
                + compressed.count
                + " compressed bytes gave "
                + count
                + "; a gzip bomb, or raise "
                + UnpackLimits.RATIO_ENV
                + ")");
      }
    }
  }
}
