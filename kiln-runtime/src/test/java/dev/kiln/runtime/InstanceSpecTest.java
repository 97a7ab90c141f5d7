package dev.kiln.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceSpecTest {
  private static final Digest IMAGE = Digest.of(new byte[] {1});

  private static InstanceSpec spec(
      Map<String, String> env, Map<String, String> secrets, Map<String, String> volumes) {
    return new InstanceSpec(
        InstanceId.of("web-1"),
        "web",
        1,
        IMAGE,
        List.of(),
        env,
        secrets,
        8081,
        volumes,
        Resources.UNLIMITED,
        Map.of());
  }

  @Test
  void toString_namesSecretsButNeverShowsTheirValues() {
    InstanceSpec spec = spec(Map.of("MODE", "prod"), Map.of("API_TOKEN", "hunter2"), Map.of());

    assertThat(spec.toString()).contains("API_TOKEN", "MODE=prod").doesNotContain("hunter2");
    assertThat(spec.envWithPort()).containsEntry("PORT", "8081").doesNotContainKey("API_TOKEN");
  }

  @Test
  void volumeMountPaths_thatEscapeOrShadowTheSandbox_areRefused() {
    for (String bad :
        List.of("data", "/data/../etc", "/", "/proc", "/dev/x", "/a//b", "/a/./b", "/data/")) {
      assertThatThrownBy(() -> spec(Map.of(), Map.of(), Map.of("data", bad)))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("volume data mount path");
    }
    assertThat(spec(Map.of(), Map.of(), Map.of("data", "/var/lib/app")).volumes())
        .containsEntry("data", "/var/lib/app");
  }

  @Test
  void aNameInBothEnvAndSecrets_orAnEnvPort_isRefused() {
    assertThatThrownBy(() -> spec(Map.of("T", "1"), Map.of("T", "2"), Map.of()))
        .hasMessageContaining("both");
    assertThatThrownBy(() -> spec(Map.of("PORT", "1"), Map.of(), Map.of()))
        .hasMessageContaining("PORT is set by Kiln");
  }

  @Test
  void badIds_areRefused() {
    assertThatThrownBy(() -> InstanceId.of("../x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> InstanceId.of("Web")).isInstanceOf(IllegalArgumentException.class);
  }
}
