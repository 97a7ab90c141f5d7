package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.image.BakerEvent;
import dev.kiln.image.Descriptor;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The reason a rebake note gives for an image's new digest. */
class RebakeReasonTest {
  private static final Digest APT = layer("apt");
  private static final Digest SITE_V1 = layer("site v1");
  private static final Digest SITE_V2 = layer("site v2");

  @Test
  void theFirstStepThatWasNotCached_isTheReason() {
    assertThat(
            RebakeReason.of(
                List.of(step(1, APT, true), step(2, SITE_V2, false)), Set.of(APT, SITE_V1)))
        .isEqualTo(": inputs of step 2/2 (copy site/ -> /www) changed");
  }

  @Test
  void anEditUndone_comesFromTheCache_andStillNamesTheStepWhoseInputsChanged() {
    // site v2 was baked, then the edit was undone: every step is a cache hit, yet step 2 changed
    assertThat(
            RebakeReason.of(
                List.of(step(1, APT, true), step(2, SITE_V1, true)), Set.of(APT, SITE_V2)))
        .isEqualTo(
            ": inputs of step 2/2 (copy site/ -> /www) changed (to ones baked before: from the"
                + " cache)");
  }

  @Test
  void sameLayers_meansTheRecipeItselfChanged() {
    assertThat(
            RebakeReason.of(
                List.of(step(1, APT, true), step(2, SITE_V1, true)), Set.of(APT, SITE_V1)))
        .isEqualTo(": its recipe changed");
  }

  private static BakerEvent.StepDone step(int index, Digest layer, boolean cached) {
    String what = index == 1 ? "run apt-get install busybox" : "copy site/ -> /www";
    return new BakerEvent.StepDone(
        "hello",
        index,
        2,
        what,
        new Descriptor(
            "application/vnd.oci.image.layer.v1.tar+gzip", layer, 1, Map.of(), Optional.empty()),
        cached,
        Duration.ZERO);
  }

  private static Digest layer(String content) {
    return Digest.of(content.getBytes(StandardCharsets.UTF_8));
  }
}
