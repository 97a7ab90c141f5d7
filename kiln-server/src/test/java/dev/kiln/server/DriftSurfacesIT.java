package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10's surfaces beyond the root and entered processes, end to end on a real control plane
 * (process runtime, bubblewrap), under a steady load through the router: an extra listener opened
 * inside an instance, and its main process re-executed with another environment and command. Each
 * instance waits for a file named for its port in its volume, written from the host (a volume write
 * is not drift), so exactly one instance drifts.
 */
class DriftSurfacesIT {
  static final Duration SETTLE = Duration.ofSeconds(90);
  static final String STRATEGY = "rolling: { max-surge: 1, max-unavailable: 0 }";
  @TempDir Path tmp;

  @BeforeAll
  static void needsBubblewrap() {
    KilnFixture.assumeBubblewrap();
  }

  @Test
  void anExtraListenerOpenedInside_isSocketDrift_andReplacesThatInstanceOnly() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      // each instance opens a second listener on 9999 once a file named for its port appears in
      // its volume: a process of the instance's own, not one entered from outside
      Path file =
          withTrigger(
              k,
              "\"(while [ ! -e /www/data/listen-\\$PORT ]; do sleep 1; done; exec busybox httpd"
                  + " -f -p 127.0.0.1:9999 -h /www) & exec busybox httpd -f -p"
                  + " 127.0.0.1:\\$PORT -h /www\"");
      int revision = k.applyAndSettle(file, SETTLE);
      Set<String> before = k.liveIds();
      Executor.Observed target = k.live().getFirst();
      try (Load load = new Load(k.router() + "/", 4)) {
        Files.writeString(
            k.home.resolve("volumes/web/data/listen-" + target.port()),
            "",
            java.nio.charset.StandardCharsets.UTF_8);
        KilnFixture.awaitTrue(SETTLE, "socket drift journaled", () -> !k.drifts().isEmpty());
        KilnFixture.awaitTrue(
            SETTLE,
            "the instance with the extra listener replaced",
            () -> !k.liveIds().contains(target.instance().id()) && k.liveIds().size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      }
      List<ServerState.Drifted> verdicts = k.drifts();
      assertThat(verdicts)
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.event().instance()).isEqualTo(target.instance().id());
                assertThat(d.event().surface()).isEqualTo("socket");
                assertThat(d.event().what()).isEqualTo("port 9999");
                assertThat(d.event().evidence())
                    .containsEntry("port", "9999")
                    .containsEntry("declared", Integer.toString(target.port()));
                assertThat(d.event().response()).isEqualTo("replace");
              });
      Set<String> after = k.liveIds();
      before.remove(target.instance().id());
      assertThat(after).containsAll(before); // the other instance was left alone
    }
  }

  @Test
  void aMainProcessReExecutedWithAnotherEnvironment_isEnvDrift_andReplacesThatInstanceOnly()
      throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      // the main process serves through a child; on the trigger it re-executes with another
      // environment (PORT dropped, INJECTED added) and command, the child still serving
      Path file =
          withTrigger(
              k,
              "\"busybox httpd -f -p 127.0.0.1:\\$PORT -h /www & while [ ! -e"
                  + " /www/data/go-\\$PORT ]; do sleep 1; done; export INJECTED=hunter2; unset"
                  + " PORT; exec busybox sleep 3600\"");
      int revision = k.applyAndSettle(file, SETTLE);
      Set<String> before = k.liveIds();
      Executor.Observed target = k.live().getFirst();
      try (Load load = new Load(k.router() + "/", 4)) {
        Files.writeString(k.home.resolve("volumes/web/data/go-" + target.port()), "");
        KilnFixture.awaitTrue(SETTLE, "env drift journaled", () -> !k.drifts().isEmpty());
        KilnFixture.awaitTrue(
            SETTLE,
            "the re-executed instance replaced",
            () -> !k.liveIds().contains(target.instance().id()) && k.liveIds().size() == 2);
        k.awaitService("web", SETTLE, KilnFixture.settledOn(revision));
        load.close();
        assertThat(load.errors.sum()).as(load.toString()).isZero();
        assertThat(load.count(200)).as(load.toString()).isEqualTo(load.total());
      }
      assertThat(k.drifts())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.event().instance()).isEqualTo(target.instance().id());
                assertThat(d.event().surface()).isEqualTo("env");
                assertThat(d.event().what())
                    .startsWith("environment"); // and command, once it settled
                assertThat(d.event().evidence())
                    .containsEntry("added", "INJECTED")
                    .containsEntry("removed", "PORT");
                assertThat(d.event().evidence().toString()).doesNotContain("hunter2");
                assertThat(d.event().response()).isEqualTo("replace");
              });
      assertThat(k.get("/v1/drift").body()).doesNotContain("hunter2");
      Set<String> after = k.liveIds();
      before.remove(target.instance().id());
      assertThat(after).containsAll(before);
    }
  }

  /**
   * The fixture's blueprint with a volume at /www/data (the directory is added to image a) and
   * image a's entrypoint script replaced by {@code script} (a quoted YAML string).
   */
  private static Path withTrigger(KilnFixture k, String script) throws Exception {
    Files.createDirectories(k.folder.resolve("site-a/data"));
    Files.writeString(k.folder.resolve("site-a/data/.keep"), "");
    Path file = k.blueprintWith(STRATEGY, "    volumes: { data: /www/data }\n");
    String yaml =
        Files.readString(file)
            .replaceFirst(
                java.util.regex.Pattern.quote(
                    "\"exec busybox httpd -f -p 127.0.0.1:$PORT -h /www\""),
                java.util.regex.Matcher.quoteReplacement(script.replace("\\$", "$")));
    assertThat(yaml).contains("/www/data/");
    Files.writeString(file, yaml);
    return file;
  }
}
