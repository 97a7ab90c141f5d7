package dev.kiln.cli;

import static dev.kiln.cli.CliImages.kiln;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.testkit.LoopbackRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `kiln push` from one home and `kiln pull` into another, through a real registry on loopback. */
class PushPullCommandIT {
  @TempDir Path tmp;

  @Test
  void pushThenPullIntoAnotherHome_sameDigest_verifiedAndTagged() throws Exception {
    Path a = tmp.resolve("a");
    Path b = tmp.resolve("b");
    HostKey key = HostKey.generate(a.resolve("keys"));
    ImageStore store = ImageStore.open(a.resolve("images"));
    Descriptor image = CliImages.image(store, "pushed\n", Map.of());
    store.tag("hello", image);
    ImageSigner.sign(store, image, key);

    try (LoopbackRegistry registry = LoopbackRegistry.start(tmp.resolve("registry"), List.of())) {
      String target = registry.address() + "/team/hello:1";
      var push = kiln(a, "push", "hello", target);
      assertThat(push.exit()).as(push.err()).isZero();
      assertThat(push.out()).contains("pushed " + target + "@" + image.digest());

      var unsignedForB = kiln(b, "pull", target);
      assertThat(unsignedForB.exit()).isEqualTo(1);
      assertThat(unsignedForB.err()).contains("--key");

      var pull =
          kiln(b, "pull", target, "--key", a.resolve("keys/host.pub").toString(), "--as", "hello");
      assertThat(pull.exit()).as(pull.err()).isZero();
      assertThat(pull.out()).contains("pulled").contains("signed by " + key.keyId());
      assertThat(ImageStore.open(b.resolve("images")).resolve("hello").map(Descriptor::digest))
          .contains(image.digest());

      var wrongKey = kiln(tmp.resolve("c"), "pull", target, "--key", keyOfAStranger().toString());
      assertThat(wrongKey.exit()).isEqualTo(1);
      assertThat(wrongKey.err()).contains("was not tagged");
    }
  }

  private Path keyOfAStranger() {
    return HostKey.generate(tmp.resolve("stranger/keys")).publicKeyFile();
  }
}
