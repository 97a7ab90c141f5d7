package dev.kiln.server;

import dev.kiln.model.Digest;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@link JournalEvent} kinds of an applied blueprint and the services it declares. This
 * interface only groups their records in a file of their own: {@link JournalEvent} extends it so
 * that each stays named {@code JournalEvent.Xxx}, and its {@code permits} list is the family.
 */
interface BlueprintEvents {
  /**
   * How one service is to run, as an applied blueprint said. {@code drift} is its {@code drift:}
   * (issue 10), stored only when it is not the default.
   */
  record AppliedService(
      String image,
      int replicas,
      Strategy strategy,
      Duration progressDeadline,
      Optional<dev.kiln.model.Autoscale> autoscale,
      dev.kiln.model.DriftPolicy drift) {
    public AppliedService(
        String image,
        int replicas,
        Strategy strategy,
        Duration progressDeadline,
        Optional<dev.kiln.model.Autoscale> autoscale) {
      this(
          image,
          replicas,
          strategy,
          progressDeadline,
          autoscale,
          dev.kiln.model.DriftPolicy.DEFAULT);
    }

    public AppliedService(
        String image, int replicas, Strategy strategy, Duration progressDeadline) {
      this(image, replicas, strategy, progressDeadline, Optional.empty());
    }
  }

  /** A blueprint was applied: its file, content digest, image digests and services. */
  record BlueprintApplied(
      String file,
      Digest digest,
      Optional<String> commit,
      SortedMap<String, Digest> images,
      SortedMap<String, AppliedService> services,
      boolean hasChanges)
      implements JournalEvent {
    public BlueprintApplied {
      images = new TreeMap<>(images);
      services = new TreeMap<>(services);
    }

    public String kind() {
      return "blueprint-applied";
    }

    public String subject() {
      return "blueprint";
    }
  }
}
