package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
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

  @Test
  void aDamagedImage_isListedWithItsReason_besideTheOthers() throws Exception {
    ImageStore store = ImageStore.open(home.resolve("images"));
    Descriptor good = CliImages.image(store, "good", Map.of());
    Descriptor bad = CliImages.image(store, "bad", Map.of());
    store.tag("good", good);
    store.tag("bad", bad);
    Files.delete(store.path(bad.digest()));

    CliImages.Run r = CliImages.kiln(home, "images");

    assertThat(r.exit()).isEqualTo(1);
    String[] lines = r.out().split("\n");
    assertThat(lines).hasSize(3);
    assertThat(lines[1]).startsWith("bad").contains(bad.digest().shortHex()).endsWith("DAMAGED");
    assertThat(lines[2]).startsWith("good").contains(good.digest().shortHex()).endsWith("no");
    assertThat(r.err())
        .contains("image bad is damaged: blob " + bad.digest() + " is missing")
        .contains("bake it again (kiln bake)");

    CliImages.Run inspect = CliImages.kiln(home, "inspect", "bad");
    assertThat(inspect.exit()).isNotZero();
    assertThat(inspect.err())
        .contains("image bad is damaged: blob " + bad.digest() + " is missing")
        .contains("bake it again");
    assertThat(CliImages.kiln(home, "inspect", "good").exit()).isZero();

    CliImages.Run json = CliImages.kiln(home, "images", "-o", "json");
    JsonNode list = Json.parse(json.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(list).hasSize(2);
    assertThat(list.get(0).path("state").asText()).isEqualTo("damaged");
    assertThat(list.get(0).path("problem").asText()).contains("is missing");
    assertThat(list.get(1).path("state").asText()).isEqualTo("ok");
  }

  @Test
  void aZeroByteIndex_isAnErrorWithARepairHint_notAnEmptyStore() throws Exception {
    ImageStore store = ImageStore.open(home.resolve("images"));
    store.tag("web", CliImages.image(store, "web", Map.of()));
    Files.write(home.resolve("images/index.json"), new byte[0]);

    CliImages.Run r = CliImages.kiln(home, "images");

    assertThat(r.exit()).isNotZero();
    assertThat(r.out()).doesNotContain("no images");
    assertThat(r.err())
        .contains("index.json is empty (0 bytes), but the store holds")
        .contains("Restore index.json from a backup");
  }

  @Test
  void blobsWithoutAnIndex_areADamagedStore_notAMissingOne() throws Exception {
    ImageStore store = ImageStore.open(home.resolve("images"));
    store.tag("web", CliImages.image(store, "web", Map.of()));
    Files.delete(home.resolve("images/index.json"));

    CliImages.Run r = CliImages.kiln(home, "images");

    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("index.json is missing, but the store holds");
  }
}
