package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesCommandTest {
  @TempDir Path home;

  @Test
  void saysSoWhenThereAreNoImagesAndCreatesNothing() {
    CliImages.Run r = CliImages.kiln(home, "images");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("no images");
    assertThat(home.resolve("images")).doesNotExist();
  }

  @Test
  void listsNameDigestSizeProvenanceAndSignature() {
    ImageStore store = ImageStore.open(home.resolve("images"));
    HostKey key = HostKey.generate(home.resolve("keys"));
    Descriptor web =
        CliImages.image(store, "web", Map.of("dev.kiln.blueprint", "/srv/app/kiln.yaml"));
    Descriptor base =
        CliImages.image(
            store, "base", Map.of("org.opencontainers.image.base.name", "debian:bookworm"));
    Descriptor plain = CliImages.image(store, "plain", Map.of());
    ImageSigner.sign(store, web, key);
    ImageSigner.sign(store, base, HostKey.generate(home.resolve("other-keys")));
    store.tag("web", web);
    store.tag("base", base);
    store.tag("plain", plain);

    CliImages.Run r = CliImages.kiln(home, "images");
    assertThat(r.exit()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).startsWith("NAME").contains("DIGEST", "SIZE", "CREATED FROM", "SIGNED");
    assertThat(lines[1])
        .startsWith("base")
        .contains("sha256:" + base.digest().shortHex(), "debian:bookworm", "INVALID");
    assertThat(lines[2]).startsWith("plain").contains(" - ").endsWith("no");
    assertThat(lines[3])
        .startsWith("web")
        .contains("/srv/app/kiln.yaml", "yes (" + key.keyId() + ")")
        .contains(" KB ")
        .doesNotContain("INVALID");
  }

  @Test
  void printsJson() {
    ImageStore store = ImageStore.open(home.resolve("images"));
    Descriptor web = CliImages.image(store, "web", Map.of());
    store.tag("web", web);
    CliImages.Run r = CliImages.kiln(home, "images", "-o", "json");
    JsonNode list = Json.parse(r.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(list).hasSize(1);
    assertThat(list.get(0).path("name").asText()).isEqualTo("web");
    assertThat(list.get(0).path("digest").asText()).isEqualTo(web.digest().toString());
    assertThat(list.get(0).path("signed").asText()).isEqualTo("no");
    assertThat(list.get(0).path("createdFrom").asText()).isEqualTo("-");
    assertThat(list.get(0).path("size").asLong()).isPositive();
  }
}
