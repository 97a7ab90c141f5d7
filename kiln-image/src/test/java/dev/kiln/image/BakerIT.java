package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Blueprint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reproducibility and the layer cache, with scratch + copy images (no sandbox needed). */
class BakerIT {
  static final String SITE =
      """
      images:
        site:
          from: scratch
          steps:
            - copy: { src: site/, dest: /www }
            - copy: { src: conf/app.conf, dest: /etc/app.conf }
            - copy: { src: tools/run.sh, dest: /usr/bin/, mode: "0750" }
          env: { GREETING: hello }
          entrypoint: [ /usr/bin/run.sh ]
      """;

  @TempDir Path tmp;

  BakeFixture site(String name) throws Exception {
    BakeFixture f = new BakeFixture(tmp.resolve(name + "/project"), tmp.resolve(name + "/home"));
    f.file("site/index.html", "<h1>hello</h1>\n")
        .file("site/css/a.css", "body{}\n")
        .file("conf/app.conf", "port=8080\n")
        .file("tools/run.sh", "#!/bin/sh\necho run\n");
    Files.createSymbolicLink(f.folder.resolve("site/home.html"), Path.of("index.html"));
    return f;
  }

  @Test
  void sameBlueprint_inTwoFolders_atTwoTimes_givesIdenticalDigests() throws Exception {
    BakeFixture a = site("a");
    BakeResult ra = a.bake(a.blueprint(SITE));
    BakeFixture b = site("b");
    Thread.sleep(1100); // other mtimes on every source file
    b.file("site/index.html", "<h1>hello</h1>\n");
    BakeResult rb = b.bake(b.blueprint(SITE));

    assertThat(ra.images().get(0).manifest().digest())
        .isEqualTo(rb.images().get(0).manifest().digest());
    assertThat(a.store.resolve("site"))
        .map(Descriptor::digest)
        .contains(ra.images().get(0).manifest().digest());
  }

  @Test
  void layers_haveFixedOwnersModesAndTimes_andRelativeSymlinks() throws Exception {
    BakeFixture f = site("m");
    f.bake(f.blueprint(SITE));
    var layers = f.layers("site");
    assertThat(BakeFixture.entries(f.store, layers.get(0)))
        .containsEntry("www/index.html", "<h1>hello</h1>\n")
        .containsEntry("www/home.html", "-> index.html")
        .containsKey("www/css/");
    assertThat(BakeFixture.modes(f.store, layers.get(0)))
        .containsEntry("www/", "755")
        .containsEntry("www/index.html", "644");
    assertThat(BakeFixture.modes(f.store, layers.get(2))).containsEntry("usr/bin/run.sh", "750");
    ImageConfig config =
        f.store.config(f.store.manifest(f.store.resolve("site").orElseThrow().digest()));
    assertThat(config.created()).isEqualTo(LayerWriter.DEFAULT_EPOCH);
    assertThat(config.env()).containsExactly("GREETING=hello");
    assertThat(config.entrypoint()).containsExactly("/usr/bin/run.sh");
    assertThat(config.diffIds()).hasSize(3);
  }

  @Test
  void sourceDateEpoch_changesTheDigest() throws Exception {
    BakeFixture f = site("e");
    Blueprint bp = f.blueprint(SITE);
    var first = f.bake(bp).images().get(0).manifest().digest();
    var later =
        f.baker(f.options().withEpoch(Instant.parse("2024-01-01T00:00:00Z")))
            .bake(bp, java.util.List.of())
            .images()
            .get(0)
            .manifest()
            .digest();
    assertThat(later).isNotEqualTo(first);
    assertThat(f.store.config(f.store.manifest(later)).created())
        .isEqualTo(Instant.parse("2024-01-01T00:00:00Z"));
  }

  @Test
  void rebake_withNothingChanged_isFullyCached_andWritesNoBlob() throws Exception {
    BakeFixture f = site("c");
    Blueprint bp = f.blueprint(SITE);
    var first = f.bake(bp);
    long blobs = f.blobCount();
    f.events.clear();

    var again = f.bake(bp);

    assertThat(f.steps()).hasSize(3).allMatch(BakerEvent.StepDone::cached);
    assertThat(f.blobCount()).isEqualTo(blobs);
    assertThat(again.images().get(0).manifest()).isEqualTo(first.images().get(0).manifest());
  }

  @Test
  void changingOneFile_rebuildsThatStepAndTheLaterOnes_only() throws Exception {
    BakeFixture f = site("d");
    Blueprint bp = f.blueprint(SITE);
    var before = f.bake(bp).images().get(0);
    f.events.clear();

    f.file("conf/app.conf", "port=9090\n");
    var after = f.bake(bp).images().get(0);

    assertThat(f.steps())
        .extracting(BakerEvent.StepDone::cached)
        .containsExactly(true, false, false);
    assertThat(after.manifest().digest()).isNotEqualTo(before.manifest().digest());
    // The third layer's content did not change, so the rebuilt layer is the same blob.
    assertThat(after.layers().get(2).layer()).isEqualTo(before.layers().get(2).layer());
  }

  @Test
  void noCache_rebuildsEveryLayer_toTheSameDigests() throws Exception {
    BakeFixture f = site("n");
    Blueprint bp = f.blueprint(SITE);
    var first = f.bake(bp).images().get(0);
    f.events.clear();
    var again = f.baker(f.options().withCache(false)).bake(bp, java.util.List.of()).images().get(0);
    assertThat(f.steps()).noneMatch(BakerEvent.StepDone::cached);
    assertThat(again.manifest()).isEqualTo(first.manifest());
  }

  @Test
  void missingCopySource_isLocated_andNamesImageAndFolder() throws Exception {
    BakeFixture f = site("x");
    String yaml = SITE.replace("src: site/", "src: nosite/");
    Blueprint bp = f.blueprintUnchecked(yaml);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.bake(bp))
        .isInstanceOf(BakerException.class)
        .hasMessage(
            f.folder.resolve("kiln.yaml")
                + ":5:15: image site: copy source nosite/ not found under "
                + f.folder.toRealPath());
    assertThat(f.store.tagged()).isEmpty();
    // validate refuses it first, by the same rule, at the src: value
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.blueprint(yaml))
        .isInstanceOf(dev.kiln.blueprint.BlueprintException.class)
        .hasMessageEndingWith(
            ":5:22: images.site.steps[0].copy.src: copy source nosite/ not found under "
                + f.folder.toRealPath());
  }

  @Test
  void unknownImageName_isAnError_listingTheImages() throws Exception {
    BakeFixture f = site("u");
    Blueprint bp = f.blueprint(SITE);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> f.bake(bp, "nope"))
        .isInstanceOf(BakerException.class)
        .hasMessageContaining("no image named nope")
        .hasMessageContaining("site");
  }

  @Test
  void bakedImage_hasAnSbom_andIsSigned_whenAHostKeyExists() throws Exception {
    BakeFixture f = site("k");
    Blueprint bp = f.blueprint(SITE);
    var unsigned = f.bake(bp).images().get(0);
    assertThat(unsigned.signedBy()).isEmpty();
    assertThat(
            f.store.referrers(
                unsigned.manifest().digest(), java.util.Optional.of(MediaTypes.CYCLONEDX)))
        .hasSize(1);

    HostKey key = HostKey.generate(f.home.resolve("keys"));
    var signed =
        f.baker(f.options().withKeysDir(java.util.Optional.of(f.home.resolve("keys"))))
            .bake(bp, java.util.List.of())
            .images()
            .get(0);
    assertThat(signed.signedBy()).contains(key.keyId());
    assertThat(ImageSigner.verify(f.store, signed.manifest().digest(), key.publicKey()).valid())
        .isTrue();
  }

  @Test
  void storeIsReadableBySkopeo() throws Exception {
    BakeFixture f = site("s");
    f.bake(f.blueprint(SITE));
    Process p =
        new ProcessBuilder("skopeo", "inspect", "--raw", "oci:" + f.store.dir() + ":site")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
    assertThat(out).contains(MediaTypes.LAYER_TAR).contains(MediaTypes.CONFIG);
  }
}
