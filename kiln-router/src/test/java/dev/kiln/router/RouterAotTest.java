package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The class-data decision: which JVM gets what, and when a cache is another one. */
class RouterAotTest {
  private static final Path DIR = Path.of("/h/router");

  @Test
  void beforeJdk25_appCdsCreatedAtTheFirstExit() {
    var plan = RouterAot.plan(true, 21, DIR, "k", p -> true);
    assertThat(plan).isEqualTo(new RouterAot.AppCds(DIR.resolve("router.jsa")));
    assertThat(plan.options())
        .containsExactly(
            "-XX:SharedArchiveFile=/h/router/router.jsa", "-XX:+AutoCreateSharedArchive");
  }

  @Test
  void jdk25_trainsAMissingCache_thenUsesIt() {
    var missing = RouterAot.plan(true, 25, DIR, "abc", p -> false);
    assertThat(missing).isEqualTo(new RouterAot.TrainCache(DIR.resolve("router-abc.aot")));
    assertThat(missing.options()).isEmpty();

    var present =
        RouterAot.plan(true, 26, DIR, "abc", p -> p.equals(DIR.resolve("router-abc.aot")));
    assertThat(present).isEqualTo(new RouterAot.UseCache(DIR.resolve("router-abc.aot")));
    assertThat(present.options()).containsExactly("-XX:AOTCache=/h/router/router-abc.aot");
  }

  @Test
  void aDirectoryOnTheClassPath_noClassDataAtAll(@TempDir Path tmp) throws Exception {
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    Path jar = Files.write(tmp.resolve("kiln.jar"), new byte[] {1});
    assertThat(RouterAot.jarsOnly(jar + ":" + tmp.resolve("gone.jar"))).isTrue();
    assertThat(RouterAot.jarsOnly(jar + ":" + classes)).isFalse();

    for (int jdk : new int[] {21, 25}) {
      var plan = RouterAot.plan(false, jdk, DIR, "k", p -> true);
      assertThat(plan).isEqualTo(new RouterAot.Without());
      assertThat(plan.options()).isEmpty();
    }
  }

  @Test
  void key_changesWithTheJvmOrAnyClassPathEntry(@TempDir Path tmp) throws Exception {
    Path jar = Files.write(tmp.resolve("kiln.jar"), new byte[] {1, 2, 3});
    String cp = jar + ":" + tmp.resolve("missing.jar");
    String key = RouterAot.key(cp, "25.0.3+9-LTS");

    assertThat(RouterAot.key(cp, "25.0.3+9-LTS")).isEqualTo(key).hasSize(16);
    assertThat(RouterAot.key(cp, "25.0.4+7-LTS")).isNotEqualTo(key);
    assertThat(RouterAot.key(jar.toString(), "25.0.3+9-LTS")).isNotEqualTo(key);
    Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000));
    String touched = RouterAot.key(cp, "25.0.3+9-LTS");
    assertThat(touched).isNotEqualTo(key);
    Files.write(jar, new byte[] {1, 2, 3, 4}); // a rebuilt jar
    Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000));
    assertThat(RouterAot.key(cp, "25.0.3+9-LTS")).isNotEqualTo(touched);
  }
}
