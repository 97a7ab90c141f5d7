package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
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

  private static Set<String> ids(KilnFixture k) {
    return k.cp.executor.call(
        () ->
            k.cp.executor.observed().stream()
                .filter(o -> !k.cp.executor.isLeaving(o))
                .map(o -> o.instance().id())
                .collect(Collectors.toSet()));
  }

  private static List<ServerState.Drifted> drifts(KilnFixture k) {
    return k.cp.executor.call(() -> k.cp.state.drifts());
  }

  private static void awaitTrue(String what, java.util.function.BooleanSupplier ok)
      throws InterruptedException {
    long end = System.nanoTime() + SETTLE.toNanos();
    while (!ok.getAsBoolean()) {
      if (System.nanoTime() > end) throw new AssertionError("gave up waiting for " + what);
      Thread.sleep(50);
    }
  }

  @Test
  void dockerExecIntoAContainer_isJournaled_andThatContainerIsReplaced_withoutAFailedRequest()
      throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path file = k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }");
      Files.writeString(file, Files.readString(file) + "    runtime: docker\n");
      k.apply(file);
      int revision = k.service("web").get("rollout").get("to").asInt();
      k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
      Set<String> before = ids(k);
      assertThat(before).hasSize(2);
      String target = before.stream().sorted().findFirst().orElseThrow();
      try (Load load = new Load(k.router() + "/", 4)) {
        Process exec =
            new ProcessBuilder("docker", "exec", "kiln-" + target, "/bin/busybox", "id")
                .redirectErrorStream(true)
                .start();
        String out = new String(exec.getInputStream().readAllBytes());
        assertThat(exec.waitFor()).as(out).isZero();

        awaitTrue("exec drift journaled", () -> !drifts(k).isEmpty());
        awaitTrue(
            "the entered container replaced", () -> !ids(k).contains(target) && ids(k).size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.total()).as(load.toString()).isPositive();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      }
      assertThat(drifts(k))
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
      Set<String> after = ids(k);
      before.remove(target);
      assertThat(after).containsAll(before); // the other container was left alone
    }
  }
}
