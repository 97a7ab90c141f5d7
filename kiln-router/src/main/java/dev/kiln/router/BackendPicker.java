package dev.kiln.router;

import org.jspecify.annotations.Nullable;

/**
 * Chooses the backend for one request. Pure: the caller passes the roll (random or sticky hash),
 * the time and the backends already tried, so every rule below is a table test.
 *
 * <ol>
 *   <li>A forced revision (override) restricts the choice to that revision, weight-0 backends
 *       included (uniformly when all its weights are 0).
 *   <li>Sticky: the hash picks a revision by the revisions' summed weights, so a user stays on one
 *       side of a canary split; inside it the roll picks by weight. If that revision has nothing
 *       eligible the whole service is used.
 *   <li>Otherwise by weight over the whole service; weight-0 backends are never picked.
 *   <li>Ejected and already-tried backends are skipped; if only ejected ones remain, they are used
 *       anyway (better a likely failure than a certain 503).
 * </ol>
 */
final class BackendPicker {
  private BackendPicker() {}

  /**
   * The backend, or null when none is eligible. {@code tried} may hold nulls past {@code
   * triedCount}.
   */
  static @Nullable BackendState pick(
      CompiledService s,
      @Nullable BackendPool forced,
      boolean hasSticky,
      long stickyHash,
      long roll,
      long now,
      BackendState[] tried,
      int triedCount) {
    if (forced != null) {
      BackendState b = weighted(forced, roll, now, tried, triedCount, true, true);
      return b != null ? b : weighted(forced, roll, now, tried, triedCount, true, false);
    }
    if (hasSticky && s.revisions.length > 1) {
      BackendPool rev = revisionFor(s, stickyHash);
      if (rev != null) {
        BackendState b = weighted(rev, roll, now, tried, triedCount, false, true);
        if (b != null) return b;
      }
    }
    BackendState b = weighted(s.all, roll, now, tried, triedCount, false, true);
    return b != null ? b : weighted(s.all, roll, now, tried, triedCount, false, false);
  }

  /** The revision a sticky hash lands in; stable while the revisions' weights do not change. */
  static @Nullable BackendPool revisionFor(CompiledService s, long hash) {
    long total = 0;
    for (BackendPool p : s.revisions) total += p.totalWeight;
    if (total == 0) return null;
    long slot = Math.floorMod(hash, total);
    for (BackendPool p : s.revisions) {
      if (slot < p.totalWeight) return p;
      slot -= p.totalWeight;
    }
    return null;
  }

  private static @Nullable BackendState weighted(
      BackendPool p,
      long roll,
      long now,
      BackendState[] tried,
      int triedCount,
      boolean zeroWeightAllowed,
      boolean skipEjected) {
    long total = 0;
    int eligible = 0;
    for (int i = 0; i < p.states.length; i++) {
      if (eligible(p, i, now, tried, triedCount, zeroWeightAllowed, skipEjected)) {
        total += p.weights[i];
        eligible++;
      }
    }
    if (eligible == 0) return null;
    if (total == 0) {
      long k = Math.floorMod(roll, (long) eligible);
      for (int i = 0; i < p.states.length; i++) {
        if (eligible(p, i, now, tried, triedCount, zeroWeightAllowed, skipEjected) && k-- == 0) {
          return p.states[i];
        }
      }
      return null;
    }
    long slot = Math.floorMod(roll, total);
    for (int i = 0; i < p.states.length; i++) {
      if (eligible(p, i, now, tried, triedCount, zeroWeightAllowed, skipEjected)) {
        if (slot < p.weights[i]) return p.states[i];
        slot -= p.weights[i];
      }
    }
    return null;
  }

  private static boolean eligible(
      BackendPool p,
      int i,
      long now,
      BackendState[] tried,
      int triedCount,
      boolean zeroWeightAllowed,
      boolean skipEjected) {
    BackendState b = p.states[i];
    if (p.weights[i] == 0 && !zeroWeightAllowed) return false;
    if (skipEjected && b.ejected(now)) return false;
    for (int t = 0; t < triedCount; t++) if (tried[t] == b) return false;
    return true;
  }
}
