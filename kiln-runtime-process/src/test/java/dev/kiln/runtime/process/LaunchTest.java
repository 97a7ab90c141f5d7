package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.oci.LayerUnpacker;
import dev.kiln.oci.UnpackLimits;
import dev.kiln.runtime.ImageContent.RunConfig;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.testkit.TarLayer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchTest {
  @TempDir Path root;
  private final RunConfig config =
      new RunConfig(
          List.of("/entry"),
          List.of("--serve"),
          Map.of("PATH", "/usr/bin:/bin", "MODE", "image"),
          Optional.of("/app"),
          Optional.empty());

  @BeforeEach
  void image() throws IOException {
    LayerUnpacker.Unpack unpack = new LayerUnpacker(UnpackLimits.DEFAULT).into(root);
    unpack.layer(
        "l",
        new ByteArrayInputStream(
            new TarLayer()
                .file("entry", new byte[] {1}, 0755)
                .file("bin/tool", new byte[] {1}, 0755)
                .symlink("usr/bin/alias", "/bin/tool")
                .file("app/run", new byte[] {1}, 0755)
                .file("bin/data", new byte[] {1}, 0644)
                .toTar()));
    unpack.finish();
  }

  private static InstanceSpec spec(List<String> command) {
    return new InstanceSpec(
        InstanceId.of("i"),
        "web",
        1,
        Digest.of(new byte[0]),
        command,
        Map.of("MODE", "spec"),
        Map.of("TOKEN", "t"),
        9000,
        Map.of(),
        Resources.UNLIMITED,
        Map.of());
  }

  @Test
  void noCommand_meansEntrypointPlusCmd_andEnvLayersImageSpecPortAndSecrets() {
    Launch launch = Launch.plan(spec(List.of()), config, root);

    assertThat(launch.argv()).containsExactly("/entry", "--serve");
    assertThat(launch.env())
        .containsEntry("MODE", "spec")
        .containsEntry("PORT", "9000")
        .containsEntry("TOKEN", "t");
    assertThat(launch.workdir()).isEqualTo("/app");
  }

  @Test
  void commandsAreFoundOnThePath_throughSymlinksInsideTheImage_andRelativeToTheWorkdir() {
    assertThat(Launch.plan(spec(List.of("tool")), config, root).argv()).containsExactly("tool");
    assertThat(Launch.plan(spec(List.of("alias")), config, root).argv()).containsExactly("alias");
    assertThat(Launch.plan(spec(List.of("./run")), config, root).argv()).containsExactly("./run");
  }

  @Test
  void aMissingOrNonExecutableCommand_isAClearError() {
    assertThatThrownBy(() -> Launch.plan(spec(List.of("nope")), config, root))
        .hasMessageContaining("command 'nope' does not exist in image")
        .hasMessageContaining("PATH=/usr/bin:/bin");
    assertThatThrownBy(() -> Launch.plan(spec(List.of("/bin/data")), config, root))
        .hasMessageContaining("'/bin/data' does not exist");
    assertThat(Files.exists(root.resolve("bin/data"))).isTrue();
  }
}
