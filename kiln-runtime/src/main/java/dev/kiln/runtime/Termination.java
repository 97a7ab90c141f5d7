package dev.kiln.runtime;

/**
 * Why an instance ended when a resource limit ended it, as {@code kiln status} shows it. An
 * instance that ends for another reason (its program exited, it was stopped) has no termination.
 * The healer replaces such an instance with backoff; it is never restarted in place, since the same
 * program under the same limit would end the same way.
 */
public enum Termination {
  /** The kernel's OOM killer ended a process of the instance at its memory limit. */
  OOM_KILLED("OOMKilled"),
  /** The instance exited after a fork or clone was refused at its pids limit. */
  PIDS_LIMIT("PidsLimit");

  private final String label;

  Termination(String label) {
    this.label = label;
  }

  /** The name status, the journal and metrics use ({@code OOMKilled}, {@code PidsLimit}). */
  public String label() {
    return label;
  }

  /**
   * The reason an exited instance ended, decided from what its cgroup counted: an OOM kill wins (it
   * is what ended the program), then a refused fork (the program most likely failed on it).
   */
  public static java.util.Optional<Termination> of(long oomKills, long pidsRefused) {
    if (oomKills > 0) return java.util.Optional.of(OOM_KILLED);
    if (pidsRefused > 0) return java.util.Optional.of(PIDS_LIMIT);
    return java.util.Optional.empty();
  }
}
