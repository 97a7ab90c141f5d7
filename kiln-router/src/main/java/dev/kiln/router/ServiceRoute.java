package dev.kiln.router;

import dev.kiln.model.Route;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A service as the router sees it: which requests are its ({@link Route}: host and path prefix),
 * the healthy backends that may serve them, and how traffic is split between those backends.
 *
 * <p>Host: an exact name ({@code shop.example}), a suffix wildcard ({@code *.example}) or {@code
 * *}. Path prefix: matched on segment boundaries, so {@code /api} matches {@code /api} and {@code
 * /api/x} but not {@code /apix}. The most specific route wins (exact host, then suffix, then {@code
 * *}; longest prefix first).
 */
public record ServiceRoute(
    String service,
    Route route,
    List<Backend> backends,
    Split split,
    Hold hold,
    Optional<TlsSite> tls) {
  public ServiceRoute {
    if (service == null || service.isBlank())
      throw new RouterException("service name must not be blank");
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(split, "split");
    Objects.requireNonNull(hold, "hold");
    Objects.requireNonNull(tls, "tls (use Optional.empty())");
    backends = List.copyOf(backends);
    var ids = new HashSet<String>();
    for (Backend b : backends) {
      if (!ids.add(b.id())) {
        throw new RouterException(
            "service " + service + ": backend id " + b.id() + " appears twice");
      }
    }
    if (route.host().isBlank()) throw new RouterException("service " + service + ": host is blank");
  }

  public ServiceRoute(String service, Route route, List<Backend> backends, Split split, Hold hold) {
    this(service, route, backends, split, hold, Optional.empty());
  }

  public ServiceRoute(String service, Route route, List<Backend> backends, Split split) {
    this(service, route, backends, split, Hold.NONE);
  }

  public static ServiceRoute of(String service, Route route, List<Backend> backends) {
    return new ServiceRoute(service, route, backends, Split.perRequest());
  }

  public ServiceRoute withBackends(List<Backend> newBackends) {
    return new ServiceRoute(service, route, newBackends, split, hold, tls);
  }

  public ServiceRoute withSplit(Split newSplit) {
    return new ServiceRoute(service, route, backends, newSplit, hold, tls);
  }

  /** Hold requests while the service has no backend (scaled to zero), instead of a 503. */
  public ServiceRoute withHold(Hold newHold) {
    return new ServiceRoute(service, route, backends, split, newHold, tls);
  }

  /**
   * Serve this route's host over the TLS listeners with that certificate (SNI picks it; a {@code
   * *.example} route's wildcard certificate serves its subdomains).
   */
  public ServiceRoute withTls(TlsSite site) {
    return new ServiceRoute(service, route, backends, split, hold, Optional.of(site));
  }
}
