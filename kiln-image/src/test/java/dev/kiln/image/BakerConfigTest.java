package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Base;
import dev.kiln.model.ImageRecipe;
import dev.kiln.model.Location;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a recipe's config lands on its base's, and what goes into annotations. */
class BakerConfigTest {
  static final Instant EPOCH = Instant.ofEpochSecond(1);

  static ImageRecipe recipe(List<String> entrypoint, List<String> cmd, Map<String, String> env) {
    return new ImageRecipe(
        "app",
        new Base.Scratch(Location.UNKNOWN),
        List.of(),
        env,
        Optional.empty(),
        Optional.empty(),
        entrypoint,
        cmd,
        List.of(8080),
        Map.of("team", "web"),
        List.of(),
        Location.UNKNOWN);
  }

  static ImageConfig base() {
    return new ImageConfig(
        "amd64",
        "linux",
        Instant.EPOCH,
        List.of("PATH=/bin", "A=base"),
        List.of(),
        List.of("/bin/bash"),
        Optional.of("/srv"),
        Optional.of("nobody"),
        List.of(22),
        Map.of("team", "base", "os", "debian"),
        List.of(),
        List.of());
  }

  @Test
  void recipeEnvAndLabelsWin_portsAdd_baseWorkdirAndUserStay() {
    ImageConfig c =
        BakerConfig.merge(
            base(), recipe(List.of(), List.of(), Map.of("A", "app")), EPOCH, List.of(), List.of());
    assertThat(c.env()).containsExactly("PATH=/bin", "A=app");
    assertThat(c.labels()).containsEntry("team", "web").containsEntry("os", "debian");
    assertThat(c.exposedPorts()).containsExactly(22, 8080);
    assertThat(c.workdir()).contains("/srv");
    assertThat(c.user()).contains("nobody");
    assertThat(c.cmd()).containsExactly("/bin/bash");
    assertThat(c.created()).isEqualTo(EPOCH);
  }

  @Test
  void recipeEntrypoint_resetsTheBaseCmd() {
    ImageConfig c =
        BakerConfig.merge(
            base(), recipe(List.of("/app"), List.of(), Map.of()), EPOCH, List.of(), List.of());
    assertThat(c.entrypoint()).containsExactly("/app");
    assertThat(c.cmd()).isEmpty();
  }

  @Test
  void baseNames_carryNoFolder() {
    assertThat(
            BakerConfig.baseName(
                new Base.OciLayout(
                    Path.of("/home/me/src/out"), Optional.of("1.0"), Location.UNKNOWN)))
        .isEqualTo("oci:out:1.0");
    assertThat(
            BakerConfig.baseName(new Base.DockerArchive(Path.of("/x/y/app.tar"), Location.UNKNOWN)))
        .isEqualTo("docker-archive:app.tar");
    assertThat(BakerConfig.baseName(new Base.Debian("bookworm", Location.UNKNOWN)))
        .isEqualTo("debian:bookworm");
  }
}
