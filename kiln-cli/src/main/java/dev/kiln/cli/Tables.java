package dev.kiln.cli;

import java.util.ArrayList;
import java.util.List;

/** Column-aligned plain-text tables, like {@code kubectl get}: three spaces between columns. */
public final class Tables {
  private Tables() {}

  /** Every row must have as many cells as there are headers; the last column is not padded. */
  public static String render(List<String> headers, List<List<String>> rows) {
    List<List<String>> all = new ArrayList<>();
    all.add(headers);
    all.addAll(rows);
    int n = headers.size();
    int[] widths = new int[n];
    for (List<String> row : all) {
      if (row.size() != n)
        throw new IllegalArgumentException(
            "row " + row + " has " + row.size() + " cells, want " + n);
      for (int i = 0; i < n; i++) widths[i] = Math.max(widths[i], row.get(i).length());
    }
    StringBuilder b = new StringBuilder();
    for (List<String> row : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < n; i++) {
        line.append(row.get(i));
        if (i < n - 1) line.append(" ".repeat(widths[i] - row.get(i).length() + 3));
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }
}
