package dev.kiln.image;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Small images built directly with LayerWriter, for store-side tests. */
final class TestImages {
  private TestImages() {}

  static Descriptor simple(ImageStore store, String motd) {
    Descriptor layer =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH)
            .write(
                store,
                List.of(
                    new LayerEntry.Bytes(
                        "/etc/motd", motd.getBytes(StandardCharsets.UTF_8), 0644, 0, 0)));
    return image(store, List.of(layer), Map.of());
  }

  static Descriptor image(
      ImageStore store, List<Descriptor> layers, Map<String, String> annotations) {
    ImageConfig config =
        new ImageConfig(
            "amd64",
            "linux",
            Instant.parse("2026-01-02T03:04:05Z"),
            List.of("PATH=/bin"),
            List.of("/bin/sh"),
            List.of(),
            Optional.empty(),
            Optional.empty(),
            List.of(8080),
            Map.of(),
            layers.stream().map(Descriptor::digest).toList(),
            layers.stream().map(l -> "layer").toList());
    Descriptor c = store.put(MediaTypes.CONFIG, config.toBytes());
    return store.putManifest(
        new ImageManifest(c, layers, annotations, Optional.empty(), Optional.empty()));
  }
}
