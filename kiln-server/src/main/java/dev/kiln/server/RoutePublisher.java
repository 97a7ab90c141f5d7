package dev.kiln.server;

import dev.kiln.controller.RouteChoice;
import dev.kiln.controller.Traffic;
import dev.kiln.model.Route;
import dev.kiln.router.Backend;
import dev.kiln.router.DrainReport;
import dev.kiln.router.Hold;
import dev.kiln.router.ServiceRoute;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Builds and publishes the route table, and remembers which backends left it with which swap's
 * drain: a stop must wait for the drain of the swap that took its instance out of the route, which
 * may be an earlier one than the stop's own (traffic moved off its revision). Also applies the edge
 * extras the table carries (holds for services at zero, TLS certificates) and keeps tainted ({@code
 * kiln exec}) instances out for good.
 */
final class RoutePublisher {
  /** Requests held for a service at zero: at most this many, each at most this long. */
  static final Hold WAKE_HOLD = new Hold(1000, Duration.ofSeconds(30));

  private final ServerState state;
  private final DataPlane data;
  private final Predicate<Executor.Observed> leaving;

  /** Instances a {@code kiln exec} entered: never routed again, replaced once the command ends. */
  private final Set<String> tainted = ConcurrentHashMap.newKeySet();

  /** Backends in the last published table, and the drain of the swap each one left with. */
  private volatile Set<String> routed = Set.of();

  private final Map<String, CompletableFuture<DrainReport>> leftWith = new ConcurrentHashMap<>();

  /** route.tls: certificates attached to the published table (none until {@link #tlsWith}). */
  private volatile @Nullable EdgeTls tls;

  RoutePublisher(ServerState state, DataPlane data, Predicate<Executor.Observed> leaving) {
    this.state = state;
    this.data = data;
    this.leaving = leaving;
  }

  /** Serve each service's installed certificate (issue 18). */
  void tlsWith(EdgeTls edge) {
    tls = edge;
  }

  /** Never routes {@code id} again (the caller publishes to take it out now). */
  void taint(String id) {
    tainted.add(id);
  }

  /** An instance that was ever routed may have requests in flight, whatever the planner thought. */
  boolean everRouted(String id) {
    return routed.contains(id) || leftWith.containsKey(id);
  }

  /** The drain of the swap {@code id} left the table with, else {@code drained}. */
  CompletableFuture<DrainReport> leftWith(String id, CompletableFuture<DrainReport> drained) {
    return leftWith.getOrDefault(id, drained);
  }

  /** The instance is gone: nothing left to wait for. */
  void forget(String id) {
    leftWith.remove(id);
  }

  /**
   * Builds the route table from the healthy instances (as this round observed them, less those
   * being stopped, with the revisions the journal says they serve) and the traffic the journal says
   * — with {@code carried} taking the place of a service's traffic when a {@code SetTraffic} action
   * is performed from its own data.
   */
  CompletableFuture<DrainReport> publish(Round round, Map<String, Traffic> carried) {
    List<RouteBuilder.Serving> serving =
        round.observed().stream()
            .filter(o -> o.instance().isHealthy() && !leaving.test(o))
            .filter(o -> !tainted.contains(o.instance().id()))
            .map(
                o ->
                    new RouteBuilder.Serving(
                        o.instance().id(),
                        o.instance().service(),
                        state.revisionOf(o.instance().id(), o.instance().revision()),
                        o.running().status().address(),
                        o.port()))
            .toList();
    Map<String, Traffic> traffic = new TreeMap<>(state.traffic());
    traffic.putAll(carried);
    var table = holdAtZero(RouteBuilder.build(traffic, routes(state, traffic), serving));
    if (tls != null) table = tls.attach(table, state.certificates());
    Set<String> ids =
        table.stream()
            .flatMap(r -> r.backends().stream())
            .map(Backend::id)
            .collect(Collectors.toSet());
    EdgeTls edge = tls;
    long ticket = edge == null ? -1 : edge.published(table);
    CompletableFuture<DrainReport> drained;
    try {
      drained = data.publish(table);
    } catch (RuntimeException e) {
      if (edge != null) edge.abandoned(ticket);
      throw e;
    }
    if (edge != null)
      // old certificate files go once the router is past every table naming them
      drained.whenComplete(
          (report, failed) -> {
            if (failed == null) edge.served(ticket);
            else edge.abandoned(ticket);
          });
    for (String id : routed) if (!ids.contains(id)) leftWith.put(id, drained);
    for (String id : ids) leftWith.remove(id);
    routed = ids;
    return drained;
  }

  /** Each service's route, as the revisions its traffic goes to declare it. */
  static Map<String, Route> routes(ServerState state, Map<String, Traffic> traffic) {
    Map<String, Route> routes = new TreeMap<>();
    traffic.forEach(
        (service, t) ->
            RouteChoice.of(t, state.revisions(service)).ifPresent(r -> routes.put(service, r)));
    return routes;
  }

  /** A service that may scale to zero holds its requests while it has no instance. */
  private List<ServiceRoute> holdAtZero(List<ServiceRoute> table) {
    return table.stream()
        .map(
            route ->
                state
                        .service(route.service())
                        .flatMap(ServerState.ServiceInfo::autoscale)
                        .filter(a -> a.min() == 0)
                        .isPresent()
                    ? route.withHold(WAKE_HOLD)
                    : route)
        .toList();
  }
}
