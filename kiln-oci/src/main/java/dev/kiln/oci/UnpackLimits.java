package dev.kiln.oci;

import java.util.Locale;
import java.util.Map;

/**
 * Bounds on the work one untrusted image may cause when it is unpacked, checked while streaming so
 * a tar bomb is refused before it fills the disk.
 *
 * @param maxLayerBytes uncompressed tar bytes of one layer (headers included)
 * @param maxImageBytes uncompressed tar bytes of all layers of one image together
 * @param maxEntries tar entries of one image (an inode bomb of empty files is small in bytes)
 * @param maxRatio uncompressed bytes per compressed byte of a gzip layer, checked once a layer has
 *     expanded past {@link #RATIO_FLOOR}: real layers compress 3–10×, a bomb 1000×
 */
public record UnpackLimits(long maxLayerBytes, long maxImageBytes, long maxEntries, long maxRatio) {
  /**
   * Below this many uncompressed bytes the ratio is not checked (small layers of zeros are fine).
   */
  public static final long RATIO_FLOOR = 64L << 20;

  public static final UnpackLimits DEFAULT = new UnpackLimits(8L << 30, 32L << 30, 2_000_000, 200);

  /** The environment variables that override {@link #DEFAULT}, one per component. */
  public static final String LAYER_ENV = "KILN_MAX_LAYER_SIZE";

  public static final String IMAGE_ENV = "KILN_MAX_IMAGE_SIZE";
  public static final String ENTRIES_ENV = "KILN_MAX_IMAGE_ENTRIES";
  public static final String RATIO_ENV = "KILN_MAX_LAYER_RATIO";

  public UnpackLimits {
    if (maxLayerBytes <= 0 || maxImageBytes <= 0 || maxEntries <= 0 || maxRatio <= 0) {
      throw new IllegalArgumentException("unpack limits must be positive");
    }
  }

  /** {@link #DEFAULT}, with any of the four environment variables applied. */
  public static UnpackLimits fromEnvironment() {
    return from(System.getenv());
  }

  static UnpackLimits from(Map<String, String> env) {
    UnpackLimits d = DEFAULT;
    return new UnpackLimits(
        size(env, LAYER_ENV, d.maxLayerBytes),
        size(env, IMAGE_ENV, d.maxImageBytes),
        size(env, ENTRIES_ENV, d.maxEntries),
        size(env, RATIO_ENV, d.maxRatio));
  }

  /** {@code 512}, {@code 64k}, {@code 8m}, {@code 2g}, {@code 8GiB}: binary units. */
  static long parseSize(String value) {
    String v = value.trim().toLowerCase(Locale.ROOT).replaceAll("i?b$", "");
    int shift = 0;
    if (!v.isEmpty()) {
      switch (v.charAt(v.length() - 1)) {
        case 'k' -> shift = 10;
        case 'm' -> shift = 20;
        case 'g' -> shift = 30;
        case 't' -> shift = 40;
        default -> shift = 0;
      }
    }
    String digits = shift == 0 ? v : v.substring(0, v.length() - 1);
    long n = Long.parseLong(digits.trim());
    if (n <= 0) throw new NumberFormatException("not positive");
    return n << shift;
  }

  private static long size(Map<String, String> env, String name, long fallback) {
    String v = env.get(name);
    if (v == null || v.isBlank()) return fallback;
    try {
      return parseSize(v);
    } catch (NumberFormatException e) {
      throw new OciException(
          name + "=" + v + " is not a positive size; use a number with an optional k, m, g or t");
    }
  }

  /** Bytes in the unit a person reads: "8 GiB", "10 MiB", "512 bytes". */
  public static String human(long bytes) {
    String[] units = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    long n = bytes;
    while (u < units.length - 1 && n >= 1024 && n % 1024 == 0) {
      n /= 1024;
      u++;
    }
    return n + " " + units[u];
  }
}
