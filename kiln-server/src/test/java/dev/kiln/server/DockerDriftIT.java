package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 on the {@code docker} runtime, end to end: {@code docker exec} into a container of a
 * service is seen on the engine's event stream, journaled as {@code instance-drifted} and answered
 * by replacing that container with a new one of the same revision, without a failed request from a
 * client running throughout.
 */
class DockerDriftIT {
  static final Duration SETTLE = Duration.ofSeconds(120);
  @TempDir Path tmp;

  @BeforeAll
  static void needsAnEngine() throws Exception {
    Process p = new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    assumeTrue(p.waitFor() == 0, "no Docker Engine answers (docker info): docker drift skipped");
  }

  @Test
  void dockerExecIntoAContainer_isJournaled_andThatContainerIsReplaced_withoutAFailedRequest()
      throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path file =
          k.blueprintWith("rolling: { max-surge: 1, max-unavailable: 0 }", "    runtime: docker\n");
      int revision = k.applyAndSettle(file, SETTLE);
      Set<String> before = k.liveIds();
      assertThat(before).hasSize(2);
      String target = before.stream().sorted().findFirst().orElseThrow();
      try (Load load = new Load(k.router() + "/", 4)) {
        Process exec =
            new ProcessBuilder("docker", "exec", "kiln-" + target, "/bin/busybox", "id")
                .redirectErrorStream(true)
                .start();
        String out = new String(exec.getInputStream().readAllBytes());
        assertThat(exec.waitFor()).as(out).isZero();

        KilnFixture.awaitTrue(SETTLE, "exec drift journaled", () -> !k.drifts().isEmpty());
        KilnFixture.awaitTrue(
            SETTLE,
            "the entered container replaced",
            () -> !k.liveIds().contains(target) && k.liveIds().size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.total()).as(load.toString()).isPositive();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      }
      assertThat(k.drifts())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.event().instance()).isEqualTo(target);
                assertThat(d.event().surface()).isEqualTo("process");
                assertThat(d.event().what()).isEqualTo("docker exec /bin/busybox");
                assertThat(d.event().evidence())
                    .containsEntry("reason", "entered from outside (docker exec)");
                assertThat(d.event().response()).isEqualTo("replace");
                assertThat(d.event().revision()).isEqualTo(revision);
              });
      Set<String> after = k.liveIds();
      before.remove(target);
      assertThat(after).containsAll(before); // the other container was left alone
    }
  }
}
