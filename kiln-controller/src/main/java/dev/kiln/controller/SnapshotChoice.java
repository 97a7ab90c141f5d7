package dev.kiln.controller;

import dev.kiln.model.Digest;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which images a snapshot must hold so that a restored home can run what ran and roll back without
 * baking: for every service, the revisions a rollout names (from, to, last good — what runs or may
 * run) and the last {@code keep} revisions (the rollback targets). Pure: the caller reads the
 * projection.
 */
public final class SnapshotChoice {
  private SnapshotChoice() {}

  /** The image of each chosen revision, by {@code service@revision}, in that order. */
  public static Map<String, Digest> images(
      Map<String, List<Revision>> revisions, Map<String, Set<Integer>> pinned, int keep) {
    if (keep < 0) throw new ControllerException("--keep-revisions must be 0 or more, not " + keep);
    TreeMap<String, Digest> chosen = new TreeMap<>();
    revisions.forEach(
        (service, list) -> {
          List<Revision> sorted =
              list.stream().sorted(Comparator.comparingInt(Revision::number)).toList();
          Set<Integer> must = pinned.getOrDefault(service, Set.of());
          for (int i = 0; i < sorted.size(); i++) {
            Revision r = sorted.get(i);
            if (i >= sorted.size() - keep || must.contains(r.number())) {
              chosen.put(service + "@" + r.number(), r.image());
            }
          }
        });
    return chosen;
  }
}
