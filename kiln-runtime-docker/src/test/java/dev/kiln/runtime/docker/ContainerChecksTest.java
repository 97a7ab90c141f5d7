package dev.kiln.runtime.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure half of docker drift: what the engine reports, judged against the revision. */
class ContainerChecksTest {
  private static final ContainerChecks.ExpectedConfig EXPECTED =
      new ContainerChecks.ExpectedConfig(
          "sha256:aa", Map.of("PATH", "/bin", "PORT", "8080"), Set.of("TOKEN"), Set.of("/data"));

  @Test
  void changesInTmp_volumes_andTheEnginesOwnMountPoints_areNotDrift() {
    assertThat(
            ContainerChecks.drifted(
                List.of("/tmp/x", "/data", "/data/db", "/sbin", "/sbin/docker-init", "/etc"),
                Set.of("/data")))
        .isEmpty();
    assertThat(ContainerChecks.drifted(List.of("/www/index.html", "/tmpfoo"), Set.of("/data")))
        .containsExactly("/tmpfoo", "/www/index.html");
  }

  @Test
  void theDeclaredConfig_isNotDrift_secretsCheckedForPresenceOnly() {
    var observed =
        new ContainerChecks.ObservedConfig(
            "sha256:aa",
            Map.of("PATH", "/bin", "PORT", "8080", "TOKEN", "anything"),
            Set.of("/data"),
            true);
    assertThat(ContainerChecks.config(EXPECTED, observed)).isEmpty();
  }

  @Test
  void eachDifference_isNamed_withoutValues() {
    var observed =
        new ContainerChecks.ObservedConfig(
            "sha256:bb", Map.of("PATH", "/evil", "EXTRA", "hunter2"), Set.of(), false);
    Map<String, String> e = ContainerChecks.config(EXPECTED, observed).orElseThrow();
    assertThat(e)
        .containsEntry("image.expected", "sha256:aa")
        .containsEntry("image.found", "sha256:bb")
        .containsEntry("env.added", "EXTRA")
        .containsEntry("env.removed", "PORT,TOKEN")
        .containsEntry("env.changed", "PATH")
        .containsEntry("mounts.expected", "/data")
        .containsEntry("mounts.found", "")
        .containsEntry("read-only", "false");
    assertThat(e.values()).noneMatch(v -> v.contains("hunter2") || v.contains("/evil"));
  }
}
