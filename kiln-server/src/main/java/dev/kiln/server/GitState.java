package dev.kiln.server;

import dev.kiln.journal.Entry;
import dev.kiln.model.Digest;
import java.util.Optional;

/**
 * GitOps' part of the projection: the last good commit ({@code git-applied}), the last refusal, and
 * the last blueprint applied by anyone, so "does the live state still match the commit" is a
 * comparison of two blueprint digests. Rebuilt from the journal like the rest of {@link
 * ServerState}: the applied commit survives a restart.
 */
public final class GitState {
  /** The last {@code blueprint-applied}: its digest, journal seq and actor. */
  public record LiveBlueprint(Digest digest, long seq, String actor, Optional<String> commit) {}

  private Optional<JournalEvent.GitApplied> applied = Optional.empty();
  private Optional<JournalEvent.GitRefused> refused = Optional.empty();
  private Optional<LiveBlueprint> live = Optional.empty();
  private long appliedSeq;
  private long refusedSeq;
  private long driftReportedFor;

  void apply(Entry e, JournalEvent event) {
    switch (event) {
      case JournalEvent.BlueprintApplied b ->
          live = Optional.of(new LiveBlueprint(b.digest(), e.seq(), e.actor(), b.commit()));
      case JournalEvent.GitApplied g -> {
        applied = Optional.of(g);
        appliedSeq = e.seq();
      }
      case JournalEvent.GitRefused r -> {
        refused = Optional.of(r);
        refusedSeq = e.seq();
      }
      case JournalEvent.GitDrifted d -> driftReportedFor = live.map(LiveBlueprint::seq).orElse(0L);
      default -> {}
    }
  }

  public Optional<JournalEvent.GitApplied> applied() {
    return applied;
  }

  public Optional<JournalEvent.GitRefused> refused() {
    return refused;
  }

  /** The last refusal when it came after the last applied commit (still news). */
  public Optional<JournalEvent.GitRefused> refusedSinceApplied() {
    return refusedSeq > appliedSeq ? refused : Optional.empty();
  }

  public Optional<LiveBlueprint> live() {
    return live;
  }

  /**
   * The blueprint applied after the commit's, when it is another one: a manual {@code kiln apply}
   * that diverged from git. Empty while the live blueprint is the commit's.
   */
  public Optional<LiveBlueprint> drift() {
    if (applied.isEmpty() || live.isEmpty()) return Optional.empty();
    LiveBlueprint l = live.get();
    return l.digest().equals(applied.get().blueprint()) || l.seq() < appliedSeq
        ? Optional.empty()
        : Optional.of(l);
  }

  /** Whether this drift (the blueprint applied at its seq) was already journaled. */
  public boolean driftReported(LiveBlueprint l) {
    return driftReportedFor == l.seq();
  }
}
