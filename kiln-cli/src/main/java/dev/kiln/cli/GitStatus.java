package dev.kiln.cli;

import dev.kiln.api.GitView;

/** {@code kiln status}'s GitOps lines: the applied commit and whether the live state matches it. */
final class GitStatus {
  private GitStatus() {}

  static String line(GitView git) {
    StringBuilder b = new StringBuilder("\ngit: ");
    if (git.branch() != null) b.append(git.branch()).append(' ');
    GitView.Applied applied = git.applied();
    if (applied != null) {
      b.append("applied ")
          .append(shortSha(applied.commit()))
          .append(" by ")
          .append(applied.author());
      if (applied.signer() != null) b.append(", signed ").append(applied.signer());
    } else b.append("nothing applied yet");
    b.append('\n');
    if (git.applying() != null)
      b.append("     applying ").append(shortSha(git.applying())).append('\n');
    GitView.Drift drift = git.drift();
    if (drift != null)
      b.append("     DRIFTED from git: the live blueprint was applied by ")
          .append(drift.actor())
          .append(" (journal seq ")
          .append(drift.seq())
          .append(")")
          .append(
              "revert".equals(git.driftResponse())
                  ? "; reverting to the commit's blueprint"
                  : "; `kiln apply` the commit's blueprint or commit the change")
          .append('\n');
    else if (Boolean.TRUE.equals(git.inSync())) b.append("     live state matches the commit\n");
    GitView.Refused refused = git.refused();
    if (refused != null)
      b.append("     last refused: ")
          .append(shortSha(refused.head()))
          .append(" (")
          .append(refused.reason())
          .append("): ")
          .append(refused.error())
          .append('\n');
    return b.toString();
  }

  private static String shortSha(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) : sha;
  }
}
