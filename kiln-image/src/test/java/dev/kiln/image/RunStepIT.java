package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code run} steps in a real bubblewrap sandbox over a busybox image. */
class RunStepIT {
  static final String BOX =
      """
      images:
        box:
          from: scratch
          steps:
            - copy: { src: bin/, dest: /bin }
            - copy: { src: www/, dest: /www }
            - run: "echo hi > /greeting && rm /www/old.txt && mkdir -p /var/empty && echo tmp > /tmp/x"
      """;

  @TempDir Path tmp;

  BakeFixture box() throws Exception {
    return new BakeFixture(tmp.resolve("project"), tmp.resolve("home"))
        .busybox()
        .file("www/old.txt", "old\n")
        .file("www/keep.txt", "keep\n");
  }

  @Test
  void runStep_changes_becomeALayer_withWhiteoutsForDeletions_andNoTmpOrMountPoints()
      throws Exception {
    BakeFixture f = box();
    f.bake(f.blueprint(BOX));
    var layers = f.layers("box");
    assertThat(layers).hasSize(3);
    assertThat(BakeFixture.entries(f.store, layers.get(2)))
        .containsEntry("greeting", "hi\n")
        .containsKey("www/.wh.old.txt")
        .containsKey("var/empty/")
        .doesNotContainKeys("tmp/", "tmp/x", "proc/", "dev/", "www/keep.txt");
  }

  @Test
  void runStep_isReproducible_andCached() throws Exception {
    BakeFixture f = box();
    var bp = f.blueprint(BOX);
    var first = f.bake(bp).images().get(0).manifest();
    f.events.clear();
    var cached = f.bake(bp).images().get(0).manifest();
    assertThat(f.steps()).allMatch(BakerEvent.StepDone::cached);
    var rebuilt =
        f.baker(f.options().withCache(false)).bake(bp, List.of()).images().get(0).manifest();
    assertThat(cached).isEqualTo(first);
    assertThat(rebuilt).isEqualTo(first);
  }

  @Test
  void refresh_reRunsNetworkSteps_only_andCachesTheirNewLayer() throws Exception {
    BakeFixture f = box();
    var bp =
        f.blueprint(
            """
            images:
              box:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - run: "echo offline > /offline"
                  - run: { command: "cat /proc/sys/kernel/random/uuid > /fetched", network: true }
            """);
    var first = f.bake(bp).images().get(0).manifest();
    f.events.clear();
    var patched =
        f.baker(f.options().withRefresh(BakeOptions.Refresh.NETWORK_STEPS))
            .bake(bp, List.of())
            .images()
            .get(0)
            .manifest();
    // Only the network step ran again (its output differs: a new uuid), the rest came from cache.
    assertThat(f.steps())
        .extracting(BakerEvent.StepDone::cached)
        .containsExactly(true, true, false);
    assertThat(patched).isNotEqualTo(first);
    f.events.clear();
    var again = f.bake(bp).images().get(0).manifest();
    assertThat(f.steps()).allMatch(BakerEvent.StepDone::cached);
    assertThat(again).isEqualTo(patched);
  }

  @Test
  void runStep_givesTheSameDigest_inAnotherFolderAndHome() throws Exception {
    BakeFixture a = box();
    BakeFixture b =
        new BakeFixture(tmp.resolve("elsewhere/project"), tmp.resolve("elsewhere/home"))
            .busybox()
            .file("www/old.txt", "old\n")
            .file("www/keep.txt", "keep\n");
    var da = a.bake(a.blueprint(BOX)).images().get(0).manifest();
    var db = b.bake(b.blueprint(BOX)).images().get(0).manifest();
    assertThat(db).isEqualTo(da);
  }

  @Test
  void failingRunStep_failsTheBake_withExitCodeAndTail_andDoesNotTag() throws Exception {
    BakeFixture f = box();
    var bp =
        f.blueprint(
            """
            images:
              box:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - run: "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35; do echo line$i; done; echo oops >&2; exit 7"
            """);
    assertThatThrownBy(() -> f.bake(bp))
        .isInstanceOfSatisfying(BakerException.class, e -> assertThat(e.exitCode()).isEqualTo(7))
        .hasMessageContaining("kiln.yaml:6:")
        .hasMessageContaining("image box: run step")
        .hasMessageContaining("exit code 7")
        .hasMessageContaining("line35\noops")
        .message()
        .doesNotContain("line1\n");
    assertThat(f.store.resolve("box")).isEmpty();
  }

  @Test
  void runStep_withoutShell_saysSo() throws Exception {
    BakeFixture f = new BakeFixture(tmp.resolve("p2"), tmp.resolve("h2")).file("a.txt", "a");
    var bp =
        f.blueprint(
            "images:\n  x:\n    from: scratch\n    steps:\n      - copy: { src: a.txt, dest: /a.txt }\n      - run: ls\n");
    assertThatThrownBy(() -> f.bake(bp)).hasMessageContaining("has no /bin/sh");
  }

  @Test
  void network_isOffByDefault_andOnWhenTheStepSaysSo() throws Exception {
    try (ServerSocket host = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual()
          .start(
              () -> {
                while (true) {
                  try {
                    host.accept().close();
                  } catch (java.io.IOException closed) {
                    return;
                  }
                }
              });
      int port = host.getLocalPort();
      String nc = "busybox nc -w 2 127.0.0.1 " + port + " </dev/null";
      BakeFixture f = box();
      var offline =
          f.blueprint(
              "images:\n  box:\n    from: scratch\n    steps:\n      - copy: { src: bin/, dest: /bin }\n"
                  + "      - run: \""
                  + nc
                  + "\"\n");
      assertThatThrownBy(() -> f.bake(offline))
          .hasMessageContaining("exit code 1")
          .hasMessageContaining("no network");
      var online =
          f.blueprint(
              "images:\n  box:\n    from: scratch\n    steps:\n      - copy: { src: bin/, dest: /bin }\n"
                  + "      - run: { command: \""
                  + nc
                  + " && echo reached > /reached\", network: true }\n");
      f.bake(online);
      assertThat(BakeFixture.entries(f.store, f.layers("box").get(1)))
          .containsEntry("reached", "reached\n")
          .doesNotContainKeys("etc/", "etc/resolv.conf");
    }
  }

  @Test
  void runSteps_seeTheImageEnvAndWorkdir() throws Exception {
    BakeFixture f = box();
    var bp =
        f.blueprint(
            """
            images:
              box:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - copy: { src: www/, dest: /app }
                  - run: "echo $GREETING $SOURCE_DATE_EPOCH $(pwd) > /app/out"
                env: { GREETING: hello }
                workdir: /app
            """);
    f.bake(bp);
    assertThat(BakeFixture.entries(f.store, f.layers("box").get(2)))
        .containsEntry("app/out", "hello 1 /app\n");
  }

  @Test
  void missingWorkdir_isMade_andBelongsToTheLayer() throws Exception {
    BakeFixture f = box();
    var bp =
        f.blueprint(
            "images:\n  box:\n    from: scratch\n    workdir: /srv/app\n    steps:\n"
                + "      - copy: { src: bin/, dest: /bin }\n      - run: \"pwd > out\"\n");
    f.bake(bp);
    assertThat(BakeFixture.entries(f.store, f.layers("box").get(1)))
        .containsEntry("srv/app/out", "/srv/app\n")
        .containsKey("srv/");
  }

  @Test
  void imageBase_chains_andRunStepsSeeTheBaseLayers() throws Exception {
    BakeFixture f = box();
    var bp =
        f.blueprint(
            """
            images:
              app:
                from: image:base
                steps:
                  - run: "cat /www/keep.txt > /copied"
              base:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - copy: { src: www/, dest: /www }
                env: { FROM_BASE: "yes" }
            """);
    var result = f.bake(bp, "app");
    assertThat(result.images())
        .extracting(BakeResult.BakedImage::name)
        .containsExactly("base", "app");
    var base = f.layers("base");
    var app = f.layers("app");
    assertThat(app.subList(0, 2)).isEqualTo(base);
    assertThat(BakeFixture.entries(f.store, app.get(2))).containsEntry("copied", "keep\n");
    var config = f.store.config(f.store.manifest(f.store.resolve("app").orElseThrow().digest()));
    assertThat(config.env()).contains("FROM_BASE=yes");
  }
}
