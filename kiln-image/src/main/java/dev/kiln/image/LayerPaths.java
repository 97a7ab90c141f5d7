package dev.kiln.image;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Layer compression, for the code that reads layers without unpacking them (the SBOM). */
final class LayerPaths {
  private LayerPaths() {}

  /**
   * Gzip is recognised by its magic bytes, not the media type: docker archives mislabel both ways.
   */
  static InputStream decompressed(BufferedInputStream in) throws IOException {
    in.mark(4);
    int b1 = in.read();
    int b2 = in.read();
    in.reset();
    if (b1 == 0x1f && b2 == 0x8b) {
      // The JDK's inflater loop is markedly faster than commons-compress's on big layers.
      return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
    }
    if (b1 == 0x28 && b2 == 0xb5) {
      throw new ImageException(
          "zstd-compressed layers are not supported; convert the image with skopeo copy --dest-compress-format gzip");
    }
    return in;
  }
}
