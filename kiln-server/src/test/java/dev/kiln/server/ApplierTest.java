package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.controller.Change;
import dev.kiln.controller.Rollout;
import dev.kiln.image.HostKey;
import dev.kiln.runtime.ImageRefusedException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Applying a blueprint records what it decided, before anything acts on it. */
class ApplierTest {
  @TempDir Path tmp;

  @Test
  void apply_journalsBlueprintRevisionAndRollout_andStartsNothingItself() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      var applied = h.applier.apply(h.blueprint("hello", 2, ""), "alice");

      assertThat(applied.plan().newRevisions()).hasSize(1);
      assertThat(h.kinds())
          .containsExactly(
              "image-verified", "blueprint-applied", "revision-created", "rollout-started");
      assertThat(h.entries()).extracting(e -> e.actor()).containsOnly("alice");
      assertThat(h.running()).isEmpty();
      assertThat(h.state.revision("web", 1)).isPresent();
      assertThat(h.state.replicas("web")).isEqualTo(2);
    }
  }

  @Test
  void reapplyingTheSameBlueprintIsNoChange_andAScaleChangesTheRolloutsReplicas() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 2, ""), "alice");
      int before = h.entries().size();

      var same = h.applier.apply(h.blueprint("hello", 2, ""), "alice");
      assertThat(same.plan().isEmpty()).isTrue();
      assertThat(h.kinds().subList(before, h.kinds().size()))
          .containsExactly("image-verified", "blueprint-applied");

      var scaled = h.applier.apply(h.blueprint("hello", 5, ""), "alice");
      assertThat(scaled.plan().newRevisions()).isEmpty();
      assertThat(h.state.replicas("web")).isEqualTo(5);
      assertThat(h.state.revisions("web")).hasSize(1);
      assertThat(h.kinds().getLast()).isEqualTo("rollout-state");
    }
  }

  @Test
  void aScaleAfterAnAbortedRollout_startsNoRollout_soApplyDoesNotReportTheOldAbort()
      throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "alice");
      h.tickUntil(
          () -> {
            h.allHealthy(1);
            return h.state.rollout("web").orElseThrow().phase() == Rollout.Phase.SUCCEEDED;
          },
          Duration.ofSeconds(1),
          20);
      h.image("hello", "B", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "alice");
      h.intents.request("web", "abort", "bob");
      h.tickUntil(
          () -> h.state.rollout("web").orElseThrow().phase() == Rollout.Phase.ABORTED,
          Duration.ofSeconds(1),
          20);

      // back to revision 1's image, at another size: the plan is a scale of the live revision
      h.image("hello", "A", h.key);
      var scaled = h.applier.apply(h.blueprint("hello", 3, ""), "alice");

      assertThat(scaled.plan().changes()).singleElement().isInstanceOf(Change.Scale.class);
      assertThat(h.state.replicas("web")).isEqualTo(3);
      // the aborted 1 -> 2 is not this apply's: following it, `kiln apply` failed with its abort
      assertThat(scaled.rollouts()).isEmpty();
    }
  }

  @Test
  void aChangedImageMakesTheNextRevision_numberedByThePlanner() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", h.key);
      h.applier.apply(h.blueprint("hello", 1, ""), "alice");
      h.image("hello", "B", h.key);
      var applied = h.applier.apply(h.blueprint("hello", 1, ""), "alice");
      assertThat(applied.plan().newRevisions()).extracting(r -> r.number()).containsExactly(2);
      assertThat(h.state.rollout("web").orElseThrow().to()).isEqualTo(2);
    }
  }

  @Test
  void anImageSignedByAnotherKeyIsRefused_journaled_andChangesNothingElse() throws Exception {
    try (ServerHarness h = new ServerHarness(tmp)) {
      h.image("hello", "A", HostKey.generate(tmp.resolve("other-keys")));
      assertThatThrownBy(() -> h.applier.apply(h.blueprint("hello", 2, ""), "alice"))
          .isInstanceOf(ImageRefusedException.class)
          .hasMessageContaining("image hello (sha256:")
          .hasMessageContaining("re-bake it with `kiln bake`");
      assertThat(h.kinds()).containsExactly("image-refused");
      assertThat(h.state.services()).isEmpty();
      assertThat(
              ErrorStatus.statusOf(
                  new ImageRefusedException(
                      h.store.resolve("hello").orElseThrow().digest(), "x", "y")))
          .isEqualTo(409);
    }
  }
}
