package dev.kiln.router;

import java.util.List;

/**
 * What became of the backends that left the table in one swap.
 *
 * @param version the version of the table that was swapped in
 * @param drained backends ({@code service/id}) whose in-flight requests all completed
 * @param cutOff backends that still had requests in flight at the drain timeout; those were closed
 */
public record DrainReport(long version, List<String> drained, List<String> cutOff) {
  public DrainReport {
    drained = List.copyOf(drained);
    cutOff = List.copyOf(cutOff);
  }

  public boolean clean() {
    return cutOff.isEmpty();
  }
}
