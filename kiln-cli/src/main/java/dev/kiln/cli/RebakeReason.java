package dev.kiln.cli;

import dev.kiln.image.BakerEvent;
import dev.kiln.model.Digest;
import java.util.List;
import java.util.Set;

/**
 * Why an image's digest changed at a rebake, for the note plan, apply and up print ("rebaked A ->
 * B: inputs of step 2/2 (copy site/ -> /www) changed"). The first step that was not cached is the
 * answer. When every step came from the layer cache — the inputs went back to a state baked before,
 * as when an edit is undone — the answer is the first step whose layer the old image did not have;
 * only when there is none did the recipe itself (entrypoint, labels, ...) change.
 */
final class RebakeReason {
  private RebakeReason() {}

  static String of(List<BakerEvent.StepDone> steps, Set<Digest> oldLayers) {
    for (BakerEvent.StepDone d : steps) {
      if (!d.cached()) return ": inputs of " + describe(d) + " changed";
    }
    for (BakerEvent.StepDone d : steps) {
      if (!oldLayers.contains(d.layer().digest()))
        return ": inputs of " + describe(d) + " changed (to ones baked before: from the cache)";
    }
    return ": its recipe changed";
  }

  private static String describe(BakerEvent.StepDone d) {
    return "step " + d.index() + "/" + d.total() + " (" + d.step() + ")";
  }
}
