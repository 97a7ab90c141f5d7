package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Digest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The layer cache and the content-hash memo. */
class LayerCacheTest {
  @TempDir Path tmp;

  @Test
  void keys_dependOnParentsAndPartBoundaries() {
    Descriptor parent = new Descriptor(MediaTypes.LAYER_TAR, Digest.of(new byte[] {1}), 1);
    assertThat(LayerCache.key(List.of(), List.of("ab", "c")))
        .isNotEqualTo(LayerCache.key(List.of(), List.of("a", "bc")));
    assertThat(LayerCache.key(List.of(parent), List.of("x")))
        .isNotEqualTo(LayerCache.key(List.of(), List.of("x")));
    assertThat(LayerCache.key(List.of(parent), List.of("x")))
        .isEqualTo(LayerCache.key(List.of(parent), List.of("x")));
  }

  @Test
  void hit_needsTheBlobInTheStore_andDisabledCacheNeverHits() {
    ImageStore store = ImageStore.open(tmp.resolve("images"));
    Descriptor layer = store.put(MediaTypes.LAYER_TAR, new byte[] {1, 2, 3});
    Digest key = LayerCache.key(List.of(), List.of("k"));
    Digest other = LayerCache.key(List.of(), List.of("other"));
    LayerCache cache = new LayerCache(tmp.resolve("layers"), true);
    cache.put(key, layer);
    cache.put(other, new Descriptor(MediaTypes.LAYER_TAR, Digest.of(new byte[] {9}), 1));
    assertThat(cache.get(store, key)).contains(layer);
    assertThat(cache.get(store, other)).isEmpty();
    assertThat(new LayerCache(tmp.resolve("layers"), false).get(store, key)).isEmpty();
  }

  @Test
  void hashMemo_isReused_untilTheFileChanges() throws Exception {
    Path f = Files.writeString(tmp.resolve("f"), "one");
    Path memoFile = tmp.resolve("cache/hashes.tsv");
    LayerCacheHashes memo = LayerCacheHashes.load(memoFile);
    assertThat(memo.hash(f)).isEqualTo(Digest.of("one".getBytes()));
    memo.save();
    assertThat(LayerCacheHashes.load(memoFile).hash(f)).isEqualTo(Digest.of("one".getBytes()));
    Files.writeString(f, "two");
    assertThat(LayerCacheHashes.load(memoFile).hash(f)).isEqualTo(Digest.of("two".getBytes()));
  }
}
