package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;

/** {@code kiln status}'s GitOps lines: the applied commit and whether the live state matches it. */
final class GitStatus {
  private GitStatus() {}

  static String line(JsonNode git) {
    StringBuilder b = new StringBuilder("\ngit: ");
    if (git.has("branch")) b.append(git.path("branch").asText()).append(' ');
    JsonNode applied = git.path("applied");
    if (applied.isObject()) {
      b.append("applied ")
          .append(shortSha(applied.path("commit").asText()))
          .append(" by ")
          .append(applied.path("author").asText());
      if (applied.has("signer")) b.append(", signed ").append(applied.path("signer").asText());
    } else b.append("nothing applied yet");
    b.append('\n');
    if (git.has("applying"))
      b.append("     applying ").append(shortSha(git.path("applying").asText())).append('\n');
    JsonNode drift = git.path("drift");
    if (drift.isObject())
      b.append("     DRIFTED from git: the live blueprint was applied by ")
          .append(drift.path("actor").asText())
          .append(" (journal seq ")
          .append(drift.path("seq").asLong())
          .append(")")
          .append(
              "revert".equals(git.path("driftResponse").asText())
                  ? "; reverting to the commit's blueprint"
                  : "; `kiln apply` the commit's blueprint or commit the change")
          .append('\n');
    else if (git.path("inSync").asBoolean()) b.append("     live state matches the commit\n");
    JsonNode refused = git.path("refused");
    if (refused.isObject())
      b.append("     last refused: ")
          .append(shortSha(refused.path("head").asText()))
          .append(" (")
          .append(refused.path("reason").asText())
          .append("): ")
          .append(refused.path("error").asText())
          .append('\n');
    return b.toString();
  }

  private static String shortSha(String sha) {
    return sha.length() > 12 ? sha.substring(0, 12) : sha;
  }
}
