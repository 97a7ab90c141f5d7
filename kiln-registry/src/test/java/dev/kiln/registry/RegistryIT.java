package dev.kiln.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.image.BakeOptions;
import dev.kiln.image.Baker;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.model.Digest;
import dev.kiln.testkit.LoopbackRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Push and pull against a real distribution registry on loopback, checked with skopeo. */
class RegistryIT {
  @TempDir Path tmp;
  private LoopbackRegistry registry;
  private ImageStore source;
  private HostKey key;
  private Digest baked;

  @BeforeEach
  void bakeASignedImageAndStartARegistry() throws Exception {
    registry = LoopbackRegistry.start(tmp.resolve("registry"), List.of());
    Path home = tmp.resolve("home-a");
    key = HostKey.generate(home.resolve("keys"));
    Path folder = tmp.resolve("project");
    Files.createDirectories(folder.resolve("site"));
    Files.writeString(folder.resolve("site/index.html"), "hello from the registry\n");
    Files.writeString(
        folder.resolve("kiln.yaml"),
        """
        images:
          web:
            from: scratch
            copy:
              - { src: site/, dest: /www }
            entrypoint: [ /bin/true ]
        """);
    source = ImageStore.open(home.resolve("images"));
    BakeOptions options = BakeOptions.defaults().withKeysDir(Optional.of(home.resolve("keys")));
    baked =
        new Baker(source, home.resolve("cache"), options)
            .bake(BlueprintParser.parse(folder.resolve("kiln.yaml")), List.of("web"))
            .image("web")
            .orElseThrow()
            .manifest()
            .digest();
  }

  @AfterEach
  void stop() {
    if (registry != null) registry.close();
  }

  @Test
  void push_keepsTheStoreDigest_andSkopeoSeesTheSame() throws Exception {
    Push.Result pushed =
        Push.push(
            source,
            "web",
            RegistryRef.parse(registry.address() + "/team/web:1"),
            RegistryOptions.defaults());

    assertThat(pushed.digest()).isEqualTo(baked);
    assertThat(pushed.referrers()).isEqualTo(2); // signature and SBOM
    assertThat(pushed.fallbackTag()).isTrue(); // distribution 2.8 has no referrers API
    String inspected =
        run(
            "skopeo",
            "inspect",
            "--tls-verify=false",
            "--raw",
            "docker://" + registry.address() + "/team/web:1");
    assertThat(Digest.of(inspected.getBytes(StandardCharsets.UTF_8))).isEqualTo(baked);
    String digestLine =
        run(
            "skopeo",
            "inspect",
            "--tls-verify=false",
            "--format",
            "{{.Digest}}",
            "docker://" + registry.address() + "/team/web:1");
    assertThat(digestLine.strip()).isEqualTo(baked.toString());
  }

  @Test
  void pushTwice_uploadsNothingTheSecondTime() {
    RegistryRef ref = RegistryRef.parse(registry.address() + "/web:1");
    Push.push(source, "web", ref, RegistryOptions.defaults());
    Push.Result again = Push.push(source, "web", ref, RegistryOptions.defaults());
    assertThat(again.blobsUploaded()).isZero();
    assertThat(again.digest()).isEqualTo(baked);
  }

  @Test
  void pull_byTagOrDigest_verifiesEveryBlobAndTheSignature_thenTags() {
    Push.push(
        source,
        "web",
        RegistryRef.parse(registry.address() + "/web:1"),
        RegistryOptions.defaults());
    ImageStore target = ImageStore.open(tmp.resolve("home-b/images"));

    Pull.Result byTag =
        Pull.pull(
            target,
            RegistryRef.parse(registry.address() + "/web:1"),
            "web",
            key.publicKey(),
            RegistryOptions.defaults());
    assertThat(byTag.digest()).isEqualTo(baked);
    assertThat(byTag.referrers()).isEqualTo(2);
    assertThat(target.resolve("web").map(Descriptor::digest)).contains(baked);
    assertThat(ImageSigner.verify(target, baked, key.publicKey()).valid()).isTrue();
    assertThat(target.referrers(baked, Optional.of(MediaTypes.CYCLONEDX))).hasSize(1);

    ImageStore third = ImageStore.open(tmp.resolve("home-c/images"));
    Pull.Result byDigest =
        Pull.pull(
            third,
            RegistryRef.parse(registry.address() + "/web@" + baked),
            "copy",
            key.publicKey(),
            RegistryOptions.defaults());
    assertThat(byDigest.digest()).isEqualTo(baked);
    assertThat(third.resolve("copy")).isPresent();
  }

  @Test
  void pull_signedByAnotherKey_isRefusedAndNothingIsTagged() {
    Push.push(
        source,
        "web",
        RegistryRef.parse(registry.address() + "/web:1"),
        RegistryOptions.defaults());
    HostKey stranger = HostKey.generate(tmp.resolve("stranger/keys"));
    ImageStore target = ImageStore.open(tmp.resolve("home-d/images"));

    assertThatThrownBy(
            () ->
                Pull.pull(
                    target,
                    RegistryRef.parse(registry.address() + "/web:1"),
                    "web",
                    stranger.publicKey(),
                    RegistryOptions.defaults()))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("was not tagged");
    assertThat(target.tagged()).isEmpty();
  }

  @Test
  void pull_ofAMissingImage_namesIt() {
    ImageStore target = ImageStore.open(tmp.resolve("home-e/images"));
    assertThatThrownBy(
            () ->
                Pull.pull(
                    target,
                    RegistryRef.parse(registry.address() + "/nothing:here"),
                    "x",
                    key.publicKey(),
                    RegistryOptions.defaults()))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("/nothing")
        .hasMessageContaining("here");
  }

  @Test
  void pull_fromAnImageSkopeoPushed_withoutASignature_isRefused() throws Exception {
    // An unsigned image copied by another tool: the registry serves it, Kiln will not tag it.
    run(
        "skopeo",
        "copy",
        "--dest-tls-verify=false",
        "oci:" + source.dir() + ":web",
        "docker://" + registry.address() + "/plain:1");
    ImageStore target = ImageStore.open(tmp.resolve("home-f/images"));
    assertThatThrownBy(
            () ->
                Pull.pull(
                    target,
                    RegistryRef.parse(registry.address() + "/plain:1"),
                    "plain",
                    key.publicKey(),
                    RegistryOptions.defaults()))
        .isInstanceOf(RegistryException.class)
        .hasMessageContaining("was not tagged");
  }

  static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", command) + ": " + out);
    return out;
  }
}
