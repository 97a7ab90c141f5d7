package dev.kiln.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kiln image, exported by skopeo, runs on a real Docker engine and prints what its entrypoint
 * says.
 */
class DockerLoadIT {
  private static final String TAG = "kiln/test:1";

  @TempDir Path tmp;

  @Test
  void dockerLoadsAndRunsAKilnImage() throws Exception {
    assertThat(Tools.onPath("skopeo"))
        .as("skopeo must be installed (apt-get install skopeo)")
        .isTrue();
    assumeTrue(Tools.dockerAnswers(), "no Docker engine answers `docker info` here; CI starts one");
    ImageStore store = ImageStore.open(tmp.resolve("images"));
    store.tag("hello", Tools.helloImage(store, HostKey.generate(tmp.resolve("keys"))));
    Path archive = tmp.resolve("hello.tar");
    Tools.ok(
        List.of(
            "skopeo",
            "copy",
            "oci:" + store.dir() + ":hello",
            "docker-archive:" + archive + ":" + TAG));
    try {
      Tools.ok(List.of("docker", "load", "-i", archive.toString()));
      Tools.Result run = Tools.ok(List.of("docker", "run", "--rm", "--network", "none", TAG));
      assertThat(run.output().strip()).isEqualTo("hello from kiln");

      // And back: what `docker save` writes (old or new archive layout), Kiln imports intact.
      Path saved = tmp.resolve("saved.tar");
      Tools.ok(List.of("docker", "save", "-o", saved.toString(), TAG));
      ImageStore back = ImageStore.open(tmp.resolve("back"));
      Descriptor imported = BaseImporter.importDockerArchive(back, saved, Optional.of(TAG));
      ImageManifest m = back.manifest(imported.digest());
      assertThat(back.config(m).entrypoint())
          .containsExactly("/bin/busybox", "echo", "hello from kiln");
      Unpacking.unpack(back, m.layers(), tmp.resolve("root"), dev.kiln.oci.UnpackLimits.DEFAULT);
      assertThat(tmp.resolve("root/bin/busybox")).hasSameBinaryContentAs(Path.of("/bin/busybox"));
    } finally {
      Tools.run(List.of("docker", "rmi", "-f", TAG));
    }
  }
}
