package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bake killed with SIGKILL at various moments leaves a store that opens, whose every tag points
 * at a whole image, and in which the next bake succeeds with the same digest as an undisturbed one.
 */
class BakerKillIT {
  static final String YAML =
      """
      images:
        big:
          from: scratch
          steps:
            - copy: { src: bin/, dest: /bin }
            - copy: { src: data/, dest: /data }
            - run: "cat /data/* > /all && rm /data/f3"
      """;

  @TempDir Path tmp;

  @Test
  void killedBakes_leaveAConsistentStore() throws Exception {
    BakeFixture f = new BakeFixture(tmp.resolve("project"), tmp.resolve("home")).busybox();
    byte[] chunk = new byte[8 << 20];
    new java.util.Random(42).nextBytes(chunk);
    Files.createDirectories(f.folder.resolve("data"));
    for (int i = 0; i < 6; i++) Files.write(f.folder.resolve("data/f" + i), chunk);
    var bp = f.blueprint(YAML);
    BakeFixture reference = new BakeFixture(f.folder, tmp.resolve("reference"));
    var expected =
        reference.baker(BakeOptions.defaults()).bake(bp, List.of()).images().get(0).manifest();

    for (long delay : new long[] {300, 700, 1100, 1500, 2000, 2600}) {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  BakeFixtureMain.class.getName(),
                  f.folder.resolve("kiln.yaml").toString(),
                  f.home.toString())
              .redirectErrorStream(true)
              .redirectOutput(tmp.resolve("bake.log").toFile())
              .start();
      boolean finished = p.waitFor(delay, TimeUnit.MILLISECONDS);
      if (!finished) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly().waitFor();
      }
      ImageStore store = ImageStore.open(f.home.resolve("images"));
      for (Descriptor tagged : store.tagged()) {
        ImageManifest m = store.manifest(tagged.digest());
        store.verify(m.config().digest());
        m.layers().forEach(l -> store.verify(l.digest()));
      }
      // Whatever the kill left, it never tags anything but the right image.
      store.resolve("big").ifPresent(d -> assertThat(d.digest()).isEqualTo(expected.digest()));
      // Clear the tag so the next round exercises a bake from a half-written state again.
      store.untag("big");
    }
    var after = f.baker(BakeOptions.defaults()).bake(bp, List.of()).images().get(0).manifest();
    assertThat(after).isEqualTo(expected);
  }
}
