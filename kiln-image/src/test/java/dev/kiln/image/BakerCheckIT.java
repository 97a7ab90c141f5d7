package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln bake --check}: rebuild from nothing and compare. */
class BakerCheckIT {
  @TempDir Path tmp;

  @Test
  void reproducibleBlueprint_passes() throws Exception {
    BakeFixture f =
        new BakeFixture(tmp.resolve("p"), tmp.resolve("h")).busybox().file("a.txt", "a\n");
    var bp =
        f.blueprint(
            "images:\n  box:\n    from: scratch\n    steps:\n      - copy: { src: bin/, dest: /bin }\n"
                + "      - run: \"cp /bin/busybox /bin/again && echo a > /a\"\n");
    var result = BakerCheck.check(f.store, f.home.resolve("cache"), f.options(), bp, List.of());
    assertThat(result.reproducible()).isTrue();
    assertThat(f.store.resolve("box")).isPresent();
  }

  @Test
  void nondeterministicStep_isNamed() throws Exception {
    BakeFixture f =
        new BakeFixture(tmp.resolve("p"), tmp.resolve("h")).busybox().file("a.txt", "a\n");
    var bp =
        f.blueprint(
            """
            images:
              box:
                from: scratch
                steps:
                  - copy: { src: bin/, dest: /bin }
                  - run: "cat /proc/sys/kernel/random/uuid > /id"
                  - copy: { src: a.txt, dest: /a.txt }
            """);
    var result = BakerCheck.check(f.store, f.home.resolve("cache"), f.options(), bp, List.of());
    assertThat(result.reproducible()).isFalse();
    assertThat(result.differences())
        .singleElement()
        .satisfies(
            d ->
                assertThat(d.what())
                    .startsWith("layer 2 (run cat /proc/sys/kernel/random/uuid > /id, ")
                    .contains("kiln.yaml:6:"));
    // The temporary store is gone.
    assertThat(f.home.resolve("cache/work")).isEmptyDirectory();
  }
}
