package dev.kiln.controller;

import java.util.List;

/** The changes applying a blueprint makes, one per service, sorted by service name. */
public record Plan(List<Change> changes) {
  public Plan {
    changes = List.copyOf(changes);
  }

  public long count(Class<? extends Change> kind) {
    return changes.stream().filter(kind::isInstance).count();
  }

  /** True when applying changes nothing at all. */
  public boolean isEmpty() {
    return changes.stream().allMatch(Change.NoChange.class::isInstance);
  }

  /** The revisions the apply creates (numbered, immutable), in service order. */
  public List<Revision> newRevisions() {
    return changes.stream()
        .<Revision>mapMulti(
            (c, sink) -> {
              if (c instanceof Change.Create create) sink.accept(create.revision());
              if (c instanceof Change.Replace replace) sink.accept(replace.to());
            })
        .toList();
  }
}
