package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.model.Digest;
import dev.kiln.runtime.ImageContent;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drivers get the store's own manifest bytes, so what they push has the store's digest. */
class StoreImageSourceTest {
  @TempDir Path tmp;

  @Test
  void openedImage_carriesTheStoresManifestBytes_annotationsIncluded() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      Descriptor plain = h.image("web", "A\n", h.key);
      ImageManifest m = h.store.manifest(plain.digest());
      // the same image with an annotation, as a baker may write: a manifest of its own
      Descriptor annotated =
          h.store.putManifest(
              new ImageManifest(
                  m.config(),
                  m.layers(),
                  Map.of("org.opencontainers.image.created", "2026-11-30T00:00:00Z"),
                  Optional.empty(),
                  Optional.empty()));
      dev.kiln.image.ImageSigner.sign(h.store, annotated, h.key);

      ImageContent image = source(h.store, h.key).open(annotated.digest());

      ImageContent.Blob manifest = image.manifest().orElseThrow();
      byte[] bytes;
      try (var in = manifest.open()) {
        bytes = in.readAllBytes();
      }
      assertThat(Digest.of(bytes)).isEqualTo(annotated.digest());
      assertThat(manifest.size()).isEqualTo(bytes.length);
      assertThat(manifest.mediaType()).isEqualTo(MediaTypes.MANIFEST);
      assertThat(bytes).isEqualTo(h.store.read(annotated.digest()));
    }
  }

  private static StoreImageSource source(ImageStore store, HostKey key) {
    return new StoreImageSource(store, key.publicKey(), (d, r) -> {});
  }
}
