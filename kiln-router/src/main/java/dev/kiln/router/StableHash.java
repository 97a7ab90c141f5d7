package dev.kiln.router;

/**
 * A hash that is the same in every JVM, on every machine, for ever: FNV-1a over the UTF-16 code
 * units, finished with MurmurHash3's 64-bit mixer so that near-identical cookies spread evenly.
 * Stickiness depends on it surviving router restarts and upgrades, so it must never change.
 */
final class StableHash {
  private StableHash() {}

  static long of(CharSequence s) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < s.length(); i++) {
      h ^= s.charAt(i);
      h *= 0x100000001b3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
