package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Image tests against an instance started in a read-only sandbox, before the image is tagged. */
class ImageTestRunnerIT {
  static String web(String tests) {
    return """
        images:
          web:
            from: scratch
            steps:
              - copy: { src: bin/, dest: /bin }
              - copy: { src: site/, dest: /www }
            entrypoint: [ /bin/sh, -c, "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www" ]
            test:
        """
        + tests;
  }

  @TempDir Path tmp;

  BakeFixture fixture() throws Exception {
    return new BakeFixture(tmp.resolve("project"), tmp.resolve("home"))
        .busybox()
        .file("site/index.html", "<h1>hello</h1>\n");
  }

  @Test
  void passingTests_tagTheImage() throws Exception {
    BakeFixture f = fixture();
    var bp =
        f.blueprint(
            web(
                """
                      - { http: /, expect: 200 }
                      - { http: /missing.html, expect: 404 }
                      - { command: [ /bin/sh, -c, "test -f /www/index.html" ] }
                """));
    f.bake(bp);
    assertThat(f.store.resolve("web")).isPresent();
    assertThat(f.events)
        .filteredOn(e -> e instanceof BakerEvent.TestDone)
        .hasSize(3)
        .allMatch(e -> ((BakerEvent.TestDone) e).passed());
  }

  @Test
  void failingHttpTest_failsTheBake_withWhatItGot_andDoesNotTag() throws Exception {
    BakeFixture f = fixture();
    var bp = f.blueprint(web("      - { http: /nothing-here, expect: 200 }\n"));
    // The test polls until its deadline (an app may answer 404 while it starts): 4 s instead of the
    // default 15 s, so that the failure is reached sooner.
    Baker baker = f.baker(f.options().withHttpTestDeadline(Duration.ofSeconds(4)));
    assertThatThrownBy(() -> baker.bake(bp, List.of()))
        .isInstanceOf(BakerException.class)
        .hasMessageContaining("kiln.yaml:9:")
        .hasMessageContaining(
            "image web: test http: /nothing-here (expect 200) failed: got status 404 within 4 s")
        .hasMessageContaining("not tagged");
    assertThat(f.store.resolve("web")).isEmpty();
  }

  @Test
  void instanceThatDies_failsWithItsOutput() throws Exception {
    BakeFixture f = fixture();
    String yaml =
        web("      - { http: /, expect: 200 }\n")
            .replace(
                "exec busybox httpd -f -p 127.0.0.1:$PORT -h /www",
                "echo cannot start >&2; exit 3");
    var bp = f.blueprint(yaml);
    assertThatThrownBy(() -> f.bake(bp))
        .hasMessageContaining("the instance exited")
        .hasMessageContaining("cannot start");
    assertThat(f.store.resolve("web")).isEmpty();
  }

  @Test
  void failingCommandTest_reportsExitCodeAndOutput() throws Exception {
    BakeFixture f = fixture();
    var bp =
        f.blueprint(
            web(
                "      - { command: [ /bin/sh, -c, \"echo nope; touch /www/x\" ], expect-exit: 0 }\n"));
    // The root is read-only: touch fails, like it would in an instance.
    assertThatThrownBy(() -> f.bake(bp))
        .hasMessageContaining("exited 1, expected 0")
        .hasMessageContaining("nope")
        .hasMessageContaining("Read-only file system");
    assertThat(f.store.resolve("web")).isEmpty();
  }

  @Test
  void testsCanBeSkipped() throws Exception {
    BakeFixture f = fixture();
    var bp = f.blueprint(web("      - { http: /nothing-here, expect: 200 }\n"));
    f.baker(f.options().withTests(false)).bake(bp, java.util.List.of());
    assertThat(f.store.resolve("web")).isPresent();
  }
}
