package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import dev.kiln.image.Sbom;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InspectCommandTest {
  @TempDir Path home;
  ImageStore store;
  Descriptor web;
  HostKey key;

  @BeforeEach
  void setUp() {
    store = ImageStore.open(home.resolve("images"));
    key = HostKey.generate(home.resolve("keys"));
    web =
        CliImages.image(
            store,
            "web",
            Map.of("dev.kiln.blueprint", "kiln.yaml", "dev.kiln.blueprint.digest", "sha256:abc"));
    ImageSigner.sign(store, web, key);
    Sbom.attach(store, web);
    store.tag("web", web);
  }

  @Test
  void showsManifestConfigLayersSignatureAndSbom() {
    CliImages.Run r = CliImages.kiln(home, "inspect", "web");
    assertThat(r.exit()).as(r.err()).isZero();
    String layer = store.manifest(web.digest()).layers().get(0).digest().toString();
    assertThat(r.out())
        .contains("digest:       " + web.digest())
        .contains("created from: kiln.yaml")
        .contains("blueprint:    sha256:abc")
        .contains("signed:       yes (" + key.keyId() + ")")
        .contains("entrypoint: [\"/usr/bin/hello\"]")
        .contains("cmd:        [\"--greet\"]")
        .contains("env:        PORT=8080")
        .contains("ports:      8080/tcp")
        .contains(layer + "  ")
        .contains("COPY motd")
        .contains("sbom:         2 files, 1 packages")
        .contains("top level:    etc var");
  }

  @Test
  void printsJsonAndTheFullSbom() {
    CliImages.Run r = CliImages.kiln(home, "inspect", "web", "-o", "json");
    JsonNode o = Json.parse(r.out().getBytes(StandardCharsets.UTF_8), "output");
    assertThat(o.path("digest").asText()).isEqualTo(web.digest().toString());
    assertThat(o.path("manifest").path("layers")).hasSize(1);
    assertThat(o.path("config").path("config").path("Entrypoint").get(0).asText())
        .isEqualTo("/usr/bin/hello");
    assertThat(o.path("sbom").path("packages").asInt()).isEqualTo(1);

    CliImages.Run sbom = CliImages.kiln(home, "inspect", "web", "--sbom");
    JsonNode bom = Json.parse(sbom.out().getBytes(StandardCharsets.UTF_8), "sbom");
    assertThat(bom.path("bomFormat").asText()).isEqualTo("CycloneDX");
    assertThat(sbom.out()).contains("pkg:deb/debian/hello@2.10-3?arch=amd64");
  }

  @Test
  void namesAnUnknownImage() {
    CliImages.Run r = CliImages.kiln(home, "inspect", "nope");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).contains("no image 'nope'");
    CliImages.Run none = CliImages.kiln(home.resolve("empty"), "inspect", "web");
    assertThat(none.exit()).isEqualTo(1);
    assertThat(none.err()).contains("no image store");
  }
}
