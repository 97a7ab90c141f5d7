package dev.kiln.runtime.swarm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Digest;
import dev.kiln.registry.RegistryClient;
import dev.kiln.registry.RegistryOptions;
import dev.kiln.registry.RegistryRef;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.testkit.LoopbackRegistry;
import dev.kiln.testkit.TestImages;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the swarm's nodes pull is the image store's manifest, byte for byte: pushed to a real
 * registry (Debian's docker-registry on loopback), it has the store's digest even when the manifest
 * carries what no re-serialization from config and layers could reproduce (annotations).
 */
class SwarmImagesIT {
  @TempDir Path tmp;
  LoopbackRegistry registry;
  RegistryRef repo;

  @BeforeEach
  void startRegistry() throws Exception {
    registry = LoopbackRegistry.start(tmp.resolve("registry"), List.of());
    repo = RegistryRef.parse(registry.address() + "/kiln");
  }

  @AfterEach
  void stopRegistry() {
    if (registry != null) registry.close();
  }

  private SwarmImages images() {
    return new SwarmImages(repo, RegistryOptions.defaults(), tmp.resolve("work"));
  }

  @Test
  void pushedManifest_isTheStoresBytes_soTheDigestIsTheStores() {
    ImageContent image =
        TestImages.busybox()
            .annotation("org.opencontainers.image.created", "2026-11-30T00:00:00Z")
            .build();
    // the old way (rebuilt from config and layers) would have named another image
    assertThat(Digest.of(SwarmImages.manifest(image))).isNotEqualTo(image.manifestDigest());

    String ref = images().ensure(image);

    assertThat(ref).isEqualTo(registry.address() + "/kiln@" + image.manifestDigest());
    var fetched =
        new RegistryClient(repo, RegistryOptions.defaults(), false)
            .getManifest(image.manifestDigest().toString())
            .orElseThrow();
    assertThat(fetched.digest()).isEqualTo(image.manifestDigest());
    assertThat(fetched.content())
        .isEqualTo(readAll(image.manifest().orElseThrow()))
        .asString()
        .contains("org.opencontainers.image.created");
  }

  @Test
  void aManifestWhoseBytesAreNotItsDigest_isRefused_andNothingIsPushed() {
    ImageContent image = TestImages.busybox().annotation("k", "v").build();
    ImageContent.Blob m = image.manifest().orElseThrow();
    byte[] altered = readAll(m);
    altered[altered.length - 3] ^= 0x01;
    ImageContent tampered =
        new ImageContent(
            image.manifestDigest(),
            image.layers(),
            image.config(),
            image.runConfig(),
            true,
            Optional.of(
                new ImageContent.Blob(
                    m.digest(), m.mediaType(), m.size(), () -> new ByteArrayInputStream(altered))));

    assertThatThrownBy(() -> images().ensure(tampered))
        .isInstanceOf(RuntimeDriverException.class)
        .hasMessageContaining(image.manifestDigest().toString());
    RegistryClient client = new RegistryClient(repo, RegistryOptions.defaults(), false);
    assertThat(client.getManifest(image.manifestDigest().toString())).isEmpty();
    assertThat(client.hasBlob(image.config().digest())).isFalse();
  }

  @Test
  void aSourceWithoutItsManifest_stillPushes_aManifestWrittenFromConfigAndLayers() {
    ImageContent full = TestImages.busybox().build();
    ImageContent bare =
        new ImageContent(
            full.manifestDigest(), full.layers(), full.config(), full.runConfig(), true);

    assertThat(images().ensure(bare)).endsWith("@" + full.manifestDigest());
  }

  private static byte[] readAll(ImageContent.Blob blob) {
    try (var in = blob.open()) {
      return in.readAllBytes();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
