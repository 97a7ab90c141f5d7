package dev.kiln.gitops;

import java.util.List;
import java.util.Optional;

/**
 * The decision on a range of new commits: every one of them must be signed by an allowed signer,
 * not only the head (Flux and Argo CD check the head alone, so an unsigned commit under a signed
 * one would pass them). The first offending commit, oldest first, is the one named.
 */
public final class RangeCheck {
  private RangeCheck() {}

  /** One commit of the range, with what its signature says. */
  public record Checked(String commit, String author, SignatureVerdict verdict) {}

  /** Why a range is refused: the reasons, as journaled. */
  public enum Reason {
    UNSIGNED("unsigned"),
    BAD_SIGNATURE("bad-signature"),
    NOT_FAST_FORWARD("not-fast-forward"),
    INVALID_BLUEPRINT("invalid-blueprint"),
    BAKE_FAILED("bake-failed"),
    ROLLOUT_FAILED("rollout-failed");

    public final String key;

    Reason(String key) {
      this.key = key;
    }
  }

  /** A refusal naming the offending commit. */
  public record Refusal(String commit, Reason reason, String error) {}

  /**
   * Empty when every commit (oldest first) is signed by an allowed signer; else the first that is
   * not.
   */
  public static Optional<Refusal> decide(List<Checked> range) {
    for (Checked c : range) {
      switch (c.verdict()) {
        case SignatureVerdict.Signed s -> {}
        case SignatureVerdict.Unsigned u -> {
          return Optional.of(
              new Refusal(
                  c.commit(),
                  Reason.UNSIGNED,
                  "commit " + c.commit() + " by " + c.author() + " is not signed"));
        }
        case SignatureVerdict.Bad b -> {
          return Optional.of(
              new Refusal(
                  c.commit(),
                  Reason.BAD_SIGNATURE,
                  "commit " + c.commit() + " by " + c.author() + ": " + b.reason()));
        }
      }
    }
    return Optional.empty();
  }
}
