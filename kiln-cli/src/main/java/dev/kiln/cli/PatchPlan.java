package dev.kiln.cli;

import dev.kiln.model.Digest;
import dev.kiln.scan.Finding;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The pure decisions of {@code kiln patch}: which services to rebake and roll (those whose live
 * image has findings with a published fix), and whether a rebaked image is clean enough to roll
 * out. Findings with no fix are reported, never acted on: a rebake cannot fix them.
 */
record PatchPlan(List<Target> targets, List<Target> clean, List<Unfixable> unfixable) {
  /** A service and the image it runs now, with what the scan found in it. */
  record Live(String service, String image, Digest digest, List<Finding> findings) {}

  /** A service to patch: its image's fixable findings. */
  record Target(String service, String image, Digest digest, List<Finding> fixable) {
    List<String> advisories() {
      return fixable.stream().map(Finding::advisory).distinct().toList();
    }
  }

  /** Findings no rebake can fix yet (no published fix). */
  record Unfixable(String service, Finding finding) {}

  /** What still carries a finding after the rebake: the image, the advisory, the version. */
  record Remaining(String image, Finding finding) {}

  PatchPlan {
    targets = List.copyOf(targets);
    clean = List.copyOf(clean);
    unfixable = List.copyOf(unfixable);
  }

  static PatchPlan decide(List<Live> fleet) {
    List<Target> targets = new ArrayList<>();
    List<Target> clean = new ArrayList<>();
    List<Unfixable> unfixable = new ArrayList<>();
    for (Live l : fleet) {
      List<Finding> fixable = l.findings().stream().filter(f -> f.fixed().isPresent()).toList();
      l.findings().stream()
          .filter(f -> f.fixed().isEmpty())
          .forEach(f -> unfixable.add(new Unfixable(l.service(), f)));
      Target t = new Target(l.service(), l.image(), l.digest(), fixable);
      (fixable.isEmpty() ? clean : targets).add(t);
    }
    return new PatchPlan(targets, clean, unfixable);
  }

  /** The images to rebake, each once, in the order of their first service. */
  Set<String> images() {
    Set<String> out = new LinkedHashSet<>();
    targets.forEach(t -> out.add(t.image()));
    return out;
  }

  /**
   * The fixable findings of the old images that the rebaked ones still carry (matched by advisory
   * id and source package): any is a reason to stop before rolling anything out.
   */
  List<Remaining> remaining(Map<String, List<Finding>> rescanned) {
    Map<String, Remaining> out = new LinkedHashMap<>();
    for (Target t : targets) {
      List<Finding> now = rescanned.getOrDefault(t.image(), List.of());
      for (Finding before : t.fixable())
        for (Finding f : now)
          if (f.advisory().equals(before.advisory())
              && f.sourcePackage().equals(before.sourcePackage()))
            out.putIfAbsent(t.image() + "\0" + f.advisory(), new Remaining(t.image(), f));
    }
    return List.copyOf(out.values());
  }

  /** The target of {@code service}, if it is to be patched. */
  Optional<Target> target(String service) {
    return targets.stream().filter(t -> t.service().equals(service)).findFirst();
  }
}
