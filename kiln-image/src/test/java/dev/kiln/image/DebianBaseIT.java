package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.blueprint.BlueprintParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/hello end to end: debian:bookworm (debootstrap from the Debian mirror on first use, kept
 * in {@link DebianFixture#CACHE} between runs), an apt-get run step with network, a copy, and an
 * http image test against busybox httpd.
 */
class DebianBaseIT {
  static final Path HELLO = Path.of("../examples/hello/kiln.yaml").toAbsolutePath().normalize();

  @TempDir Path home;

  @Test
  void helloExample_bakes_passesItsTest_andIsTagged() throws Exception {
    BakeFixture f = new BakeFixture(HELLO.getParent(), home);
    var bp = BlueprintParser.parse(HELLO);
    BakeResult result = f.bake(bp);

    assertThat(f.store.resolve("hello"))
        .map(Descriptor::digest)
        .contains(result.images().get(0).manifest().digest());
    assertThat(f.events)
        .filteredOn(e -> e instanceof BakerEvent.TestDone)
        .singleElement()
        .satisfies(e -> assertThat(((BakerEvent.TestDone) e).passed()).isTrue());
    var layers = f.layers("hello");
    assertThat(layers).hasSize(3);
    var base = BakeFixture.entries(f.store, layers.get(0));
    assertThat(base)
        .containsKeys("usr/bin/apt-get", "etc/os-release", "proc/", "tmp/")
        .containsEntry("etc/resolv.conf", "")
        .doesNotContainKeys("dev/null", "var/log/dpkg.log");
    var installed = BakeFixture.entries(f.store, layers.get(1));
    assertThat(installed.keySet()).anyMatch(k -> k.endsWith("bin/busybox"));
    assertThat(installed.keySet())
        .noneMatch(
            k -> k.startsWith("var/lib/apt/lists/") && !k.endsWith("/") && !k.contains(".wh."));
    var config = f.store.config(f.store.manifest(f.store.resolve("hello").orElseThrow().digest()));
    assertThat(config.env()).anyMatch(e -> e.startsWith("PATH="));
    assertThat(Files.isDirectory(DebianFixture.CACHE.resolve("bookworm/usr"))).isTrue();

    // Rebake in the same home: the base comes from the record, every step from the cache.
    f.events.clear();
    var again = f.bake(bp);
    assertThat(f.steps()).allMatch(BakerEvent.StepDone::cached);
    assertThat(again.images().get(0).manifest()).isEqualTo(result.images().get(0).manifest());
  }

  @Test
  void debianBase_isTheSameImage_inAnyStore() throws Exception {
    BakeFixture a = new BakeFixture(home.resolve("a"), home.resolve("ha"));
    BakeFixture b = new BakeFixture(home.resolve("b"), home.resolve("hb"));
    String yaml = "images:\n  base:\n    from: debian:bookworm\n";
    var da = a.bake(a.blueprint(yaml)).images().get(0).manifest();
    var db = b.bake(b.blueprint(yaml)).images().get(0).manifest();
    assertThat(da).isEqualTo(db);
    assertThat(a.layers("base")).hasSize(1);
    assertThat(List.copyOf(a.layers("base"))).isEqualTo(b.layers("base"));
  }
}
