package dev.kiln.server;

import dev.kiln.image.ImageConfig;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.image.Verification;
import dev.kiln.model.Digest;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.ImageRefusedException;
import dev.kiln.runtime.ImageSource;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The image store as the runtimes see it, with a gate: an image whose signature does not verify
 * against the host key is never opened, so it can never run. Each refusal is reported to {@code
 * onRefusal} (which journals it) before the runtime sees the error.
 */
final class StoreImageSource implements ImageSource {
  private final ImageStore store;
  private final PublicKey trusted;
  private final BiConsumer<Digest, String> onRefusal;

  StoreImageSource(ImageStore store, PublicKey trusted, BiConsumer<Digest, String> onRefusal) {
    this.store = store;
    this.trusted = trusted;
    this.onRefusal = onRefusal;
  }

  @Override
  public ImageContent open(Digest manifestDigest) {
    Verification v = ImageSigner.verify(store, manifestDigest, trusted);
    if (!v.valid()) {
      onRefusal.accept(manifestDigest, v.reason());
      throw new ImageRefusedException(
          manifestDigest,
          v.reason(),
          "only images signed by this host's key run (re-bake it with `kiln bake`)");
    }
    byte[] raw = store.read(manifestDigest);
    ImageManifest m = ImageManifest.parse(raw, "manifest " + manifestDigest);
    ImageConfig c = store.config(m);
    List<ImageContent.Blob> layers =
        m.layers().stream()
            .map(
                l ->
                    new ImageContent.Blob(
                        l.digest(), l.mediaType(), l.size(), () -> store.open(l.digest())))
            .toList();
    ImageContent.Blob config =
        new ImageContent.Blob(
            m.config().digest(),
            m.config().mediaType(),
            m.config().size(),
            () -> store.open(m.config().digest()));
    Map<String, String> env = new LinkedHashMap<>();
    for (String kv : c.env()) {
      int eq = kv.indexOf('=');
      if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    // the exact bytes the store holds: a driver pushing the image sends them, not a
    // re-serialization
    ImageContent.Blob manifest =
        new ImageContent.Blob(
            manifestDigest,
            Json.parse(new String(raw, StandardCharsets.UTF_8))
                .path("mediaType")
                .asText(MediaTypes.MANIFEST),
            raw.length,
            () -> store.open(manifestDigest));
    return new ImageContent(
        manifestDigest,
        layers,
        config,
        new ImageContent.RunConfig(c.entrypoint(), c.cmd(), env, c.workdir(), c.user()),
        true,
        Optional.of(manifest));
  }
}
