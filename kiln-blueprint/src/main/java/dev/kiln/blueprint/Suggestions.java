package dev.kiln.blueprint;

import java.util.Collection;
import java.util.Optional;

/** "did you mean X?" by edit distance (with transpositions, since "form" for "from" is common). */
final class Suggestions {
  private Suggestions() {}

  static Optional<String> closest(String word, Collection<String> candidates) {
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (String candidate : candidates) {
      int d = distance(word.toLowerCase(), candidate.toLowerCase());
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    int tolerance = Math.max(1, Math.min(3, word.length() / 3));
    return bestDistance <= tolerance ? Optional.ofNullable(best) : Optional.empty();
  }

  /** "did you mean 'from'? valid keys: from, steps, ..." or just the list. */
  static String hint(String word, Collection<String> candidates, String what) {
    String list = what + ": " + String.join(", ", candidates);
    return closest(word, candidates).map(c -> "did you mean '" + c + "'? " + list).orElse(list);
  }

  /** Optimal string alignment distance. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) d[i][0] = i;
    for (int j = 0; j <= b.length(); j++) d[0][j] = j;
    for (int i = 1; i <= a.length(); i++) {
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
