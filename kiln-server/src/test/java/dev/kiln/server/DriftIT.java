package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10 on a real control plane, process runtime, under a steady load through the router: drift
 * caused from the host is detected, journaled with its evidence and answered by replacing the
 * drifted instances with new ones of the same revision, without a failed request.
 */
class DriftIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  static final String STRATEGY = "rolling: { max-surge: 1, max-unavailable: 0 }";
  @TempDir Path tmp;

  @BeforeAll
  static void needsBubblewrap() {
    KilnFixture.assumeBubblewrap();
  }

  @Test
  void aHostSideWriteIntoTheRoot_isJournaled_andEveryInstanceIsReplaced_withoutAFailedRequest()
      throws Exception {
    KilnFixture fixture = new KilnFixture(tmp);
    // roots as directory trees (watched): with the default read-only image root, where loop
    // devices work, a host-side write into the tree cannot reach an instance at all (below)
    Files.createDirectories(fixture.home);
    Files.writeString(fixture.home.resolve("process.properties"), "root-image=tree\n");
    try (KilnFixture k = fixture.start()) {
      int revision = k.applyAndSettle(k.blueprint("a", STRATEGY), SETTLE);
      Set<String> before = k.liveIds();
      assertThat(before).hasSize(2);
      Path root;
      try (Stream<Path> roots = Files.list(k.home.resolve("rootfs"))) {
        root =
            roots
                .filter(p -> Files.isDirectory(p.resolve("root/www")))
                .findFirst()
                .orElseThrow()
                .resolve("root");
      }
      try (Load load = new Load(k.router() + "/", 4)) {
        Files.writeString(root.resolve("www/planted.html"), "planted\n");

        KilnFixture.awaitTrue(
            SETTLE, "both instances journaled as drifted", () -> k.drifts().size() >= 2);
        KilnFixture.awaitTrue(
            SETTLE,
            "both drifted instances replaced",
            () -> {
              Set<String> now = k.liveIds();
              return now.size() == 2 && now.stream().noneMatch(before::contains);
            });
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.total()).as(load.toString()).isPositive();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      }
      List<ServerState.Drifted> drifts = k.drifts();
      assertThat(drifts)
          .extracting(d -> d.event().instance())
          .containsExactlyInAnyOrderElementsOf(before);
      for (ServerState.Drifted d : drifts) {
        assertThat(d.event().surface()).isEqualTo("rootfs");
        assertThat(d.event().what()).isEqualTo("/www/planted.html");
        assertThat(d.event().evidence()).containsEntry("expected", "absent");
        assertThat(d.event().evidence().get("found")).startsWith("f ");
        assertThat(d.event().response()).isEqualTo("replace");
        assertThat(d.event().revision()).isEqualTo(revision);
      }
      // the replacements run from a fresh root: the planted file is not there
      assertThat(
              k.http
                  .send(
                      java.net.http.HttpRequest.newBuilder(
                              java.net.URI.create(k.router() + "/planted.html"))
                          .build(),
                      java.net.http.HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(404);
      assertThat(k.service("web").get("healthy").asInt()).isEqualTo(2);
      var api = k.json(k.get("/v1/drift?service=web")).get("drift");
      assertThat(api).hasSize(2);
      assertThat(api.get(0).get("evidence").get("path").asText()).isEqualTo("/www/planted.html");
      assertThat(k.get("/metrics").body())
          .contains("kiln_drift_total{service=\"web\",surface=\"rootfs\",response=\"replace\"} 2");
    }
  }

  @Test
  void byDefault_theRootIsAnErofsImage_andRootOnTheHostCannotChangeWhatIsServed() throws Exception {
    assumeTrue(Files.exists(Path.of("/dev/loop-control")), "no loop devices");
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/mkfs.erofs")), "erofs-utils is not installed");
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      k.apply(k.blueprint("a", STRATEGY));
      int revision = k.service("web").get("rollout").get("to").asInt();
      k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
      Set<String> before = k.liveIds();
      // kiln status says which root is in use
      for (var instance : k.service("web").get("instances")) {
        assertThat(instance.get("isolation").asText())
            .contains("root: erofs image on a loop device (read-only)");
      }
      Path image;
      try (Stream<Path> roots = Files.list(k.home.resolve("rootfs"))) {
        image =
            roots.filter(p -> Files.isDirectory(p.resolve("mnt/www"))).findFirst().orElseThrow();
      }
      // the root the instances run from cannot be edited in place, not even by root
      assertThatThrownBy(() -> Files.writeString(image.resolve("mnt/www/index.html"), "defaced\n"))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("Read-only file system");
      assertThatThrownBy(() -> Files.writeString(image.resolve("mnt/www/planted.html"), "x\n"))
          .isInstanceOf(java.io.IOException.class)
          .hasMessageContaining("Read-only file system");
      // and the tree it was built from is not what they serve: a write there changes nothing
      Path treeIndex = image.resolve("root/www/index.html");
      assertThat(treeIndex.toFile().setWritable(true)).isTrue();
      Files.writeString(treeIndex, "defaced\n");
      for (int i = 0; i < 20; i++) {
        var r =
            k.http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(k.router() + "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).isEqualTo("A\n");
      }
      assertThat(k.liveIds()).isEqualTo(before);
    }
  }

  @Test
  void aProcessEnteredWithNsenter_replacesThatInstanceOnly() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      int revision = k.applyAndSettle(k.blueprint("a", STRATEGY), SETTLE);
      Set<String> before = k.liveIds();
      var target =
          k.cp.executor.call(
              () -> k.cp.executor.observed().stream().findFirst().orElseThrow().running());
      long pid = target.status().pid().orElseThrow();
      Process intruder = KilnFixture.enter(pid);
      try (Load load = new Load(k.router() + "/", 4)) {
        KilnFixture.awaitTrue(SETTLE, "process drift journaled", () -> !k.drifts().isEmpty());
        KilnFixture.awaitTrue(
            SETTLE,
            "the entered instance replaced",
            () -> !k.liveIds().contains(target.id()) && k.liveIds().size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      } finally {
        intruder.destroyForcibly();
      }
      ServerState.Drifted d = k.drifts().getFirst();
      assertThat(d.event().instance()).isEqualTo(target.id());
      assertThat(d.event().surface()).isEqualTo("process");
      assertThat(d.event().evidence()).containsKeys("pid", "exe");
      Set<String> after = k.liveIds();
      before.remove(target.id());
      assertThat(after).containsAll(before); // the other instance was left alone
      assertThat(k.drifts()).hasSize(1);
    }
  }

  @Test
  void kilnExec_takesTheInstanceOutOfTheRoute_runsTheCommand_andReplacesIt() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      int revision = k.applyAndSettle(k.blueprint("a", STRATEGY), SETTLE);
      String target = k.liveIds().iterator().next();
      try (Load load = new Load(k.router() + "/", 4)) {
        var r =
            k.json(
                k.post(
                    "/v1/instances/" + target + "/exec",
                    "{\"command\": [\"/bin/sh\", \"-c\", \"echo inside; exit 3\"]}"));
        assertThat(r.get("output").asText()).contains("inside");
        assertThat(r.get("exitCode").asInt()).isEqualTo(3);
        KilnFixture.awaitTrue(
            SETTLE,
            "the entered instance replaced",
            () -> !k.liveIds().contains(target) && k.liveIds().size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      }
      List<ServerState.Drifted> drifts = k.drifts();
      assertThat(drifts).extracting(d -> d.event().surface()).containsOnly("exec");
      assertThat(drifts).extracting(d -> d.event().response()).containsExactly("report", "replace");
      assertThat(drifts.getFirst().event().evidence())
          .containsKey("actor")
          .containsEntry("program", "/bin/sh");
    }
  }
}
