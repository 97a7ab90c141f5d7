package dev.kiln.server;

import dev.kiln.model.Digest;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@link JournalEvent} kinds of environments (issue 15): declared per apply, promoted with
 * their evidence. This interface only groups their records in a file of their own: {@link
 * JournalEvent} extends it so that each stays named {@code JournalEvent.Xxx}, and its {@code
 * permits} list is the family.
 */
interface EnvironmentEvents {
  /**
   * A blueprint with {@code environments:} was applied to {@code environment}: every environment it
   * declares, each service resolved with that environment's overrides, so a later promotion knows
   * the target's config and router without the blueprint.
   */
  record EnvironmentApplied(
      String environment, Digest blueprint, SortedMap<String, DeclaredEnvironment> environments)
      implements JournalEvent {
    public EnvironmentApplied {
      environments = new TreeMap<>(environments);
    }

    public String kind() {
      return "environment-applied";
    }

    public String subject() {
      return environment;
    }
  }

  /** One environment as a blueprint declares it, its services resolved with its overrides. */
  record DeclaredEnvironment(
      String router,
      Optional<String> promotionFrom,
      Duration soak,
      SortedMap<String, EnvironmentService> services) {
    public DeclaredEnvironment {
      services = new TreeMap<>(services);
    }
  }

  /** A service as it runs in one environment: how it rolls out, and what its instances are. */
  record EnvironmentService(
      JournalEvent.AppliedService applied, dev.kiln.controller.RuntimeConfig config) {}

  /**
   * A revision may move from one environment to the next ({@code kiln env promote}, or {@code kiln
   * apply --env} of a digest that passed the source): what it is, and the evidence relied on. The
   * {@code revision-created} and {@code rollout-started} in the target follow it.
   *
   * @param service the service's name in the blueprint ({@code web})
   * @param revision the source's revision that qualified
   * @param via {@code promote} or {@code apply}
   */
  record EnvPromoted(
      String service,
      String from,
      String to,
      int revision,
      Digest digest,
      java.time.Instant soakStart,
      Duration soak,
      List<String> evidence,
      String via)
      implements JournalEvent {
    public EnvPromoted {
      evidence = List.copyOf(evidence);
    }

    public String kind() {
      return "env-promoted";
    }

    public String subject() {
      return dev.kiln.model.Environment.qualify(to, service);
    }
  }

  /** A promotion the evidence did not support, with the reason and what was checked. */
  record PromotionRefused(
      String service,
      String from,
      String to,
      Optional<Integer> revision,
      Optional<Digest> digest,
      String reason,
      List<String> evidence,
      String via)
      implements JournalEvent {
    public PromotionRefused {
      evidence = List.copyOf(evidence);
    }

    public String kind() {
      return "promotion-refused";
    }

    public String subject() {
      return dev.kiln.model.Environment.qualify(to, service);
    }
  }
}
