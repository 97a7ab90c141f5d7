package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code oci:} and {@code docker-archive:} bases: images made elsewhere (here: by Kiln + skopeo).
 */
class BakerBasesIT {
  @TempDir Path tmp;

  /** A busybox image in an OCI layout at {@code <tmp>/base/home/images}, tagged "base". */
  BakeFixture baseImage() throws Exception {
    BakeFixture f =
        new BakeFixture(tmp.resolve("base/project"), tmp.resolve("base/home")).busybox();
    f.bake(
        f.blueprint(
            "images:\n  base:\n    from: scratch\n    copy: [ { src: bin/, dest: /bin } ]\n"
                + "    env: { FROM_BASE: \"1\" }\n"));
    return f;
  }

  @Test
  void ociLayoutBase_isImported_andBuiltOn() throws Exception {
    BakeFixture base = baseImage();
    BakeFixture f = new BakeFixture(tmp.resolve("app"), tmp.resolve("home")).file("a.txt", "a\n");
    Path layout = base.store.dir();
    var bp =
        f.blueprint(
            "images:\n  app:\n    from: oci:"
                + layout
                + ":base\n"
                + "    steps:\n      - copy: { src: a.txt, dest: /a.txt }\n      - run: \"cat /a.txt /a.txt > /b.txt\"\n");
    f.bake(bp);
    var app = f.layers("app");
    assertThat(app.get(0)).isEqualTo(base.layers("base").get(0));
    assertThat(BakeFixture.entries(f.store, app.get(2))).containsEntry("b.txt", "a\na\n");
    var manifest = f.store.manifest(f.store.resolve("app").orElseThrow().digest());
    assertThat(manifest.annotations())
        .containsEntry("org.opencontainers.image.base.name", "oci:images:base")
        .containsEntry(
            "org.opencontainers.image.base.digest",
            base.store.resolve("base").orElseThrow().digest().toString());
    assertThat(f.store.config(manifest).env()).contains("FROM_BASE=1");
  }

  @Test
  void dockerArchiveBase_isImported_andBuiltOn() throws Exception {
    BakeFixture base = baseImage();
    Path tar = tmp.resolve("base.tar");
    Process p =
        new ProcessBuilder(
                "skopeo",
                "copy",
                "oci:" + base.store.dir() + ":base",
                "docker-archive:" + tar + ":kiln/base:1")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();

    BakeFixture f = new BakeFixture(tmp.resolve("app"), tmp.resolve("home"));
    var bp =
        f.blueprint(
            "images:\n  app:\n    from: docker-archive:" + tar + "\n    run: \"echo hi > /hi\"\n");
    f.bake(bp);
    var app = f.layers("app");
    assertThat(app).hasSize(2);
    assertThat(BakeFixture.entries(f.store, app.get(1))).containsEntry("hi", "hi\n");
  }

  @Test
  void missingOciLayout_isALocatedError() throws Exception {
    BakeFixture f = new BakeFixture(tmp.resolve("app"), tmp.resolve("home"));
    String yaml = "images:\n  app:\n    from: oci:nowhere:1\n";
    var bp = f.blueprintUnchecked(yaml);
    assertThatThrownBy(() -> f.bake(bp))
        .isInstanceOf(BakerException.class)
        .hasMessageContaining("kiln.yaml:3:11: image app")
        .hasMessageContaining("base oci:" + f.folder.resolve("nowhere") + " is not a folder");
    // validate refuses it first, with the same words
    assertThatThrownBy(() -> f.blueprint(yaml))
        .isInstanceOf(dev.kiln.blueprint.BlueprintException.class)
        .hasMessageContaining(
            "kiln.yaml:3:11: images.app.from: base oci:"
                + f.folder.resolve("nowhere")
                + " is not a folder");
  }
}
