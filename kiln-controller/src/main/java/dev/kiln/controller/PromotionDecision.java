package dev.kiln.controller;

import dev.kiln.model.Digest;
import dev.kiln.model.Durations;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * May a service's revision move from one environment to the next, and if not, why not. Pure: the
 * server gathers the facts (from the journal, the image store and the last health observation) and
 * the clock's now; this decides, and lists the evidence it relied on for the journal.
 *
 * <p>Eligibility is computed from what happened to <em>that digest</em> in the source environment,
 * never configured: it must be the source's live revision, its rollout there must have succeeded (a
 * canary's analysis with it), every instance must be healthy now, it must be signed (the baker
 * signs only images whose tests passed), and it must have run without incident for the target's
 * {@code soak}. An incident (a crash, a drift verdict, an aborted rollout) restarts the soak: a
 * failed verification later un-verifies a digest, which is what Kargo gets wrong (kargo#5144).
 */
public final class PromotionDecision {
  private PromotionDecision() {}

  /**
   * What the source environment knows of the service.
   *
   * @param service the service's name in the blueprint ({@code web})
   * @param from the source environment ({@code staging})
   * @param to the target environment ({@code production})
   * @param live the source's live revision, if it has one
   * @param requested the digest the target is asked to run ({@code kiln apply --env production});
   *     empty for {@code kiln env promote}, which takes the source's live digest
   */
  public record Candidate(
      String service, String from, String to, Optional<Live> live, Optional<Digest> requested) {}

  /**
   * The source's live revision and what happened to it.
   *
   * @param since when its rollout succeeded there (from the journal)
   * @param healthy instances of it healthy now
   * @param replicas instances it is to have
   * @param analysis what its rollout's canary analysis found ({@code empty}: the strategy has none)
   * @param signature whether the signature verifies with the host key, and the verifier's words
   * @param incidents failures of the service in the source since it went live
   */
  public record Live(
      int revision,
      Digest digest,
      Instant since,
      int healthy,
      int replicas,
      Optional<Analysis> analysis,
      Signature signature,
      List<Incident> incidents) {
    public Live {
      incidents = List.copyOf(incidents);
    }
  }

  public record Analysis(boolean passed, String detail) {}

  public record Signature(boolean valid, String detail) {}

  /** A failure of the service in the source environment: it restarts the soak. */
  public record Incident(Instant at, String what) {}

  /** The decision: eligible (with when its soak started) or refused (with the reason). */
  public sealed interface Verdict {
    List<String> evidence();
  }

  public record Eligible(int revision, Digest digest, Instant soakStart, List<String> evidence)
      implements Verdict {
    public Eligible {
      evidence = List.copyOf(evidence);
    }
  }

  /**
   * @param eligibleAt when the revision will have soaked enough, if soaking is all that is missing
   *     ({@code kiln env list} and {@code kiln plan --env} say so)
   */
  public record Refused(
      String reason,
      Optional<Integer> revision,
      Optional<Digest> digest,
      List<String> evidence,
      Optional<Instant> eligibleAt)
      implements Verdict {
    public Refused {
      evidence = List.copyOf(evidence);
    }

    public Refused(
        String reason, Optional<Integer> revision, Optional<Digest> digest, List<String> evidence) {
      this(reason, revision, digest, evidence, Optional.empty());
    }
  }

  /**
   * @param promotesFrom the target's {@code promotion.from}, if it declares one
   * @param soak the target's {@code promotion.soak} (zero without one)
   */
  public static Verdict decide(
      Candidate c, Optional<String> promotesFrom, Duration soak, Instant now) {
    List<String> evidence = new ArrayList<>();
    String subject = c.service() + " in " + c.from();
    if (promotesFrom.isPresent() && !promotesFrom.get().equals(c.from())) {
      return refused(
          c.to() + " promotes only from " + promotesFrom.get() + ", not from " + c.from(),
          Optional.empty(),
          evidence);
    }
    if (c.live().isEmpty()) {
      return refused(
          subject
              + " has no live revision: apply it there first (kiln apply --env "
              + c.from()
              + ")",
          Optional.empty(),
          evidence);
    }
    Live live = c.live().get();
    Optional<Live> at = Optional.of(live);
    evidence.add(
        c.from() + " runs " + c.service() + " revision " + live.revision() + ", " + live.digest());
    if (c.requested().isPresent() && !c.requested().get().equals(live.digest())) {
      return refused(
          c.to()
              + " may only run what passed "
              + c.from()
              + ": "
              + c.requested().get()
              + " is not live in "
              + c.from()
              + " (it runs "
              + live.digest()
              + "); apply it to "
              + c.from()
              + " first",
          Optional.of(live),
          evidence,
          c.requested());
    }
    evidence.add("signature: " + live.signature().detail());
    if (!live.signature().valid()) {
      return refused(
          live.digest() + " is not signed by this host's key: " + live.signature().detail(),
          at,
          evidence);
    }
    evidence.add("image tests: passed at bake (the baker signs an image only after its tests)");
    if (live.analysis().isPresent()) {
      evidence.add("canary analysis in " + c.from() + ": " + live.analysis().get().detail());
      if (!live.analysis().get().passed()) {
        return refused(
            subject + " failed its canary analysis: " + live.analysis().get().detail(),
            at,
            evidence);
      }
    } else {
      evidence.add("canary analysis: none (the strategy in " + c.from() + " has none)");
    }
    evidence.add(
        "healthy now: "
            + live.healthy()
            + " of "
            + live.replicas()
            + " instance(s) in "
            + c.from());
    if (live.replicas() == 0 || live.healthy() < live.replicas()) {
      return refused(
          subject
              + " is not healthy now: "
              + live.healthy()
              + " of "
              + live.replicas()
              + " instance(s) of revision "
              + live.revision()
              + " healthy",
          at,
          evidence);
    }
    Optional<Incident> last =
        live.incidents().stream()
            .filter(i -> !i.at().isBefore(live.since()))
            .max(Comparator.comparing(Incident::at));
    Instant soakStart = last.map(Incident::at).orElse(live.since());
    evidence.add("live in " + c.from() + " since " + second(live.since()));
    last.ifPresent(i -> evidence.add("last incident " + second(i.at()) + ": " + i.what()));
    Duration soaked = Duration.between(soakStart, now);
    evidence.add(
        "soak: "
            + Durations.human(soaked)
            + " of "
            + Durations.human(soak)
            + " since "
            + second(soakStart));
    if (soaked.compareTo(soak) < 0) {
      return new Refused(
          subject
              + " revision "
              + live.revision()
              + " has soaked "
              + Durations.human(soaked)
              + " of "
              + Durations.human(soak)
              + " (since "
              + second(soakStart)
              + (last.isPresent() ? ", after " + last.get().what() : "")
              + "); it is eligible at "
              + secondUp(soakStart.plus(soak)),
          Optional.of(live.revision()),
          Optional.of(live.digest()),
          evidence,
          Optional.of(soakStart.plus(soak)));
    }
    return new Eligible(live.revision(), live.digest(), soakStart, evidence);
  }

  /**
   * A time in the evidence, to the second: {@code 16:13:01Z}, not the clock's {@code
   * 16:13:01.703047483Z} (the journal's own entry has the exact time).
   */
  private static Instant second(Instant t) {
    return t.truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
  }

  /** When it becomes eligible, to the second and never before: a promotion then is not refused. */
  private static Instant secondUp(Instant t) {
    Instant s = second(t);
    return s.equals(t) ? s : s.plusSeconds(1);
  }

  private static Refused refused(String reason, Optional<Live> live, List<String> evidence) {
    return refused(reason, live, evidence, Optional.empty());
  }

  private static Refused refused(
      String reason, Optional<Live> live, List<String> evidence, Optional<Digest> requested) {
    return new Refused(
        reason,
        live.map(Live::revision),
        requested.isPresent() ? requested : live.map(Live::digest),
        evidence);
  }
}
