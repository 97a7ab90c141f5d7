package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SbomTest {
  private static final String STATUS =
      """
      Package: libc6
      Status: install ok installed
      Architecture: amd64
      Source: glibc
      Version: 2.36-9+deb12u4
      Description: GNU C Library
       a multi-line description
       Package: not-a-package

      Package: removed-thing
      Status: deinstall ok config-files
      Version: 1.0
      Architecture: all

      Package: perl-base
      Status: install ok installed
      Architecture: amd64
      Version: 1:5.36.0-7+b1
      Source: perl (1:5.36.0-7)
      """;

  @TempDir Path tmp;
  ImageStore store;
  Descriptor image;

  @BeforeEach
  void setUp() {
    store = ImageStore.open(tmp.resolve("store"));
    Descriptor lower =
        store.put(
            MediaTypes.LAYER_TAR_GZIP,
            Tars.gzip(
                new Tars()
                    .dir("./etc")
                    .file("./etc/motd", "old")
                    .file(
                        "./etc/os-release",
                        "NAME=\"Debian\"\nID=debian\nVERSION_ID=\"12\"\nVERSION_CODENAME=bookworm\n")
                    .file("var/lib/dpkg/status", STATUS)
                    .file("opt/old/a", "a")
                    .file("opt/dir/x", "x")
                    .file("opt/keep", "k")
                    .hardlink("opt/keep2", "opt/keep")
                    .symlink("bin", "usr/bin")
                    .bytes()));
    Descriptor upper =
        store.put(
            MediaTypes.LAYER_TAR,
            new Tars()
                .file("opt/.wh.old", "")
                .file("opt/dir/.wh..wh..opq", "")
                .file("opt/dir/new", "n")
                .file("etc/motd", "new")
                .bytes());
    image = TestImages.image(store, List.of(lower, upper), Map.of());
  }

  @Test
  void listsTheFinalFilesWithHashesAndTheInstalledPackages() {
    JsonNode bom = Sbom.document(store, image.digest());
    assertThat(bom.path("bomFormat").asText()).isEqualTo("CycloneDX");
    assertThat(bom.path("specVersion").asText()).isEqualTo("1.5");
    assertThat(bom.path("metadata").path("timestamp").asText()).isEqualTo("2026-01-02T03:04:05Z");
    List<String> files = new ArrayList<>();
    List<String> purls = new ArrayList<>();
    for (JsonNode c : bom.path("components")) {
      if (c.path("type").asText().equals("file")) files.add(c.path("name").asText());
      else if (c.path("type").asText().equals("library")) purls.add(c.path("purl").asText());
    }
    assertThat(files)
        .containsExactly(
            "/etc/motd",
            "/etc/os-release",
            "/opt/dir/new",
            "/opt/keep",
            "/opt/keep2",
            "/var/lib/dpkg/status");
    assertThat(purls)
        .containsExactly(
            "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64",
            "pkg:deb/debian/perl-base@1%3A5.36.0-7%2Bb1?arch=amd64");
    JsonNode motd = find(bom, "/etc/motd");
    assertThat(motd.path("hashes").get(0).path("alg").asText()).isEqualTo("SHA-256");
    assertThat(motd.path("hashes").get(0).path("content").asText())
        .isEqualTo(Digest.of("new".getBytes(StandardCharsets.UTF_8)).hex());
    assertThat(find(bom, "/opt/keep2").path("hashes"))
        .isEqualTo(find(bom, "/opt/keep").path("hashes"));
  }

  @Test
  void recordsTheSourcePackageOfEachBinaryAndTheOperatingSystem() {
    JsonNode bom = Sbom.document(store, image.digest());
    JsonNode os = bom.path("components").get(0);
    assertThat(os.path("type").asText()).isEqualTo("operating-system");
    assertThat(os.path("name").asText()).isEqualTo("debian");
    assertThat(os.path("version").asText()).isEqualTo("12");
    assertThat(property(os, "dev.kiln:os-codename")).isEqualTo("bookworm");

    JsonNode libc = find(bom, "libc6");
    assertThat(property(libc, "dev.kiln:dpkg-source")).isEqualTo("glibc");
    assertThat(property(libc, "dev.kiln:dpkg-source-version")).isEqualTo("2.36-9+deb12u4");
    // A binNMU: the binary's version differs from its source's, given in parentheses.
    JsonNode perl = find(bom, "perl-base");
    assertThat(property(perl, "dev.kiln:dpkg-source")).isEqualTo("perl");
    assertThat(property(perl, "dev.kiln:dpkg-source-version")).isEqualTo("1:5.36.0-7");
  }

  private static String property(JsonNode component, String name) {
    for (JsonNode p : component.path("properties"))
      if (p.path("name").asText().equals(name)) return p.path("value").asText();
    throw new AssertionError("no property " + name + " in " + component);
  }

  @Test
  void isDeterministicAndAttachedAsAReferrer() {
    Descriptor first = Sbom.attach(store, image);
    Descriptor second = Sbom.attach(store, image);
    assertThat(second).isEqualTo(first);
    assertThat(first.artifactType()).contains(MediaTypes.CYCLONEDX);
    assertThat(store.referrers(image.digest(), Optional.of(MediaTypes.CYCLONEDX)))
        .containsExactly(first);
    ImageManifest artifact = store.manifest(first.digest());
    assertThat(artifact.subject().orElseThrow().digest()).isEqualTo(image.digest());
    assertThat(artifact.layers().get(0).mediaType()).isEqualTo(MediaTypes.CYCLONEDX);
    assertThat(Sbom.document(store, image.digest()))
        .isEqualTo(Sbom.document(store, image.digest()));
  }

  @Test
  void summarises() {
    assertThat(Sbom.find(store, image.digest())).isEmpty();
    assertThatThrownBy(() -> Sbom.summary(store, image.digest()))
        .hasMessageContaining("has no SBOM");
    Descriptor sbom = Sbom.attach(store, image);
    SbomSummary s = Sbom.summary(store, image.digest());
    assertThat(s).isEqualTo(new SbomSummary(sbom, 6, 2, List.of("etc", "opt", "var")));
  }

  @Test
  void aCorruptLayerIsNamed() throws Exception {
    Digest layer = store.manifest(image.digest()).layers().get(1).digest();
    byte[] blob = Files.readAllBytes(store.path(layer));
    blob[blob.length - 1] = 1;
    Files.write(store.path(layer), blob);
    assertThatThrownBy(() -> Sbom.attach(store, image))
        .hasMessageContaining(layer.toString())
        .hasMessageContaining("corrupt");
  }

  private static JsonNode find(JsonNode bom, String name) {
    for (JsonNode c : bom.path("components")) if (c.path("name").asText().equals(name)) return c;
    throw new AssertionError("no component " + name);
  }
}
