package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure comparison behind environment and command drift: key names out, never values. */
class MainProcessTest {
  private static final byte[] KEY = "k".getBytes();

  private static Map<String, String> digests(Map<String, String> env) {
    Map<String, String> out = new java.util.TreeMap<>();
    env.forEach((k, v) -> out.put(k, MainProcess.digest(KEY, v)));
    return out;
  }

  private static MainProcess.Observed observed(Map<String, String> env, String command) {
    return new MainProcess.Observed(digests(env), command, "/bin/busybox");
  }

  private final MainProcess.Expected launched =
      MainProcess.Expected.of(Map.of("PORT", "8080", "PATH", "/bin"), Set.of("TOKEN"), KEY);

  @Test
  void theLaunchedEnvironment_plusWhatTheShellSets_isNotDrift() {
    var now =
        observed(
            Map.of("PORT", "8080", "PATH", "/bin", "TOKEN", "x", "PWD", "/", "SHLVL", "1"),
            "httpd");
    assertThat(MainProcess.compare(launched, Optional.of(now), now)).isEmpty();
  }

  @Test
  void addedRemovedAndChangedKeys_areNamed_valuesAreNot() {
    var now = observed(Map.of("PORT", "9090", "TOKEN", "y", "EVIL", "hunter2"), "httpd");
    var f = MainProcess.compare(launched, Optional.empty(), now).orElseThrow();
    assertThat(f.subject()).isEqualTo("environment");
    assertThat(f.evidence())
        .containsEntry("added", "EVIL")
        .containsEntry("removed", "PATH")
        .containsEntry("changed", "PORT") // a secret of an adopted instance: presence only
        .doesNotContainKey("expected");
    assertThat(String.join(" ", f.evidence().values())).doesNotContain("hunter2", "9090");
  }

  @Test
  void aCommandOtherThanTheOneItServedWith_isDrift() {
    var env = Map.of("PORT", "8080", "PATH", "/bin", "TOKEN", "x");
    var f =
        MainProcess.compare(
                launched,
                Optional.of(observed(env, "httpd sha256:1")),
                observed(env, "sh sha256:2"))
            .orElseThrow();
    assertThat(f.subject()).isEqualTo("command");
    assertThat(f.evidence())
        .containsEntry("expected", "/bin/busybox httpd sha256:1")
        .containsEntry("found", "/bin/busybox sh sha256:2")
        .doesNotContainKey("added");
  }
}
