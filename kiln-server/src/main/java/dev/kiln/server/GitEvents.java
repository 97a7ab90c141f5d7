package dev.kiln.server;

import dev.kiln.model.Digest;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The {@link JournalEvent} kinds of GitOps ({@code kiln server --git}): commits applied, refused,
 * drifted from. This interface only groups their records in a file of their own: {@link
 * JournalEvent} extends it so that each stays named {@code JournalEvent.Xxx}, and its {@code
 * permits} list is the family.
 */
interface GitEvents {
  /**
   * {@code kiln server --git}: a commit's blueprint was applied and its rollouts finished; the
   * fleet now follows this commit. {@code signer} is the allowed signer of the head (with {@code
   * --allowed-signers}); {@code revisions} the live revision of each service afterwards. Only
   * recorded once its rollouts succeeded, so the last one is the last good commit, after a restart
   * too.
   */
  record GitApplied(
      String commit,
      String branch,
      String author,
      Optional<String> signer,
      String path,
      Digest blueprint,
      SortedMap<String, Integer> revisions,
      String trigger)
      implements JournalEvent {
    public GitApplied {
      revisions = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(revisions));
    }

    public String kind() {
      return "git-applied";
    }

    public String subject() {
      return "git";
    }
  }

  /**
   * A new head was not applied, or not to the end: {@code commit} is the offending commit (an
   * unsigned one inside the range, or the head itself), {@code reason} one of unsigned,
   * bad-signature, not-fast-forward, invalid-blueprint, bake-failed, rollout-failed, and {@code
   * error} the located message. The fleet stays on the last good commit.
   */
  record GitRefused(String commit, String head, String reason, String error)
      implements JournalEvent {
    public String kind() {
      return "git-refused";
    }

    public String subject() {
      return "git";
    }
  }

  /**
   * The live blueprint is not the applied commit's (a manual {@code kiln apply} diverged from git):
   * reported, or reverted by re-applying the commit's blueprint ({@code --git-drift revert}).
   */
  record GitDrifted(String commit, Digest expected, Digest live, String response)
      implements JournalEvent {
    public String kind() {
      return "git-drifted";
    }

    public String subject() {
      return "git";
    }
  }
}
