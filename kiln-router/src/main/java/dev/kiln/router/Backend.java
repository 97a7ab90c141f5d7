package dev.kiln.router;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One instance the router may send a service's requests to. Being in a route table means the
 * control plane found it healthy; the router never adds a backend on its own.
 *
 * @param id stable instance id (metrics label, drain reports)
 * @param revision the service revision it runs; used by canary splits and the revision override
 * @param address where it listens (normally a loopback port)
 * @param weight relative share of the service's traffic; 0 = reachable only through an override
 */
public record Backend(String id, String revision, InetSocketAddress address, int weight) {
  public Backend {
    Objects.requireNonNull(address, "address");
    if (id == null || id.isBlank()) throw new RouterException("backend id must not be blank");
    if (revision == null || revision.isBlank()) {
      throw new RouterException("backend " + id + ": revision must not be blank");
    }
    if (weight < 0)
      throw new RouterException("backend " + id + ": weight must be >= 0, got " + weight);
  }

  /** A backend on 127.0.0.1 with weight 1 — what a local instance usually is. */
  public static Backend local(String id, String revision, int port) {
    return new Backend(id, revision, new InetSocketAddress("127.0.0.1", port), 1);
  }

  public Backend withWeight(int newWeight) {
    return new Backend(id, revision, address, newWeight);
  }
}
