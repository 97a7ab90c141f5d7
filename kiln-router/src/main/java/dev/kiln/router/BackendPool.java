package dev.kiln.router;

/** A set of backends with the weights the current table gives them (a service, or one revision). */
final class BackendPool {
  final String revision;
  final BackendState[] states;
  final int[] weights;
  final long totalWeight;

  BackendPool(String revision, BackendState[] states, int[] weights) {
    this.revision = revision;
    this.states = states;
    this.weights = weights;
    long t = 0;
    for (int w : weights) t += w;
    this.totalWeight = t;
  }
}
