package dev.kiln.server;

import dev.kiln.controller.Traffic;
import dev.kiln.model.Route;
import dev.kiln.router.Backend;
import dev.kiln.router.ServiceRoute;
import dev.kiln.router.Split;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the controller's traffic (percent per revision) into a router table: the backends of a
 * revision are its healthy instances, each weighted so that the revision's instances together get
 * its share. A preview revision's instances enter with weight 0, reachable only by its header.
 * Pure: same inputs, same table.
 */
final class RouteBuilder {
  /**
   * An instance that may serve: healthy, and not being stopped; reached at {@code host} (127.0.0.1
   * unless it runs in a network of its own).
   */
  record Serving(String id, String service, int revision, int port, String host) {
    Serving(String id, String service, int revision, int port) {
      this(id, service, revision, port, "127.0.0.1");
    }

    java.net.InetSocketAddress address() {
      return new java.net.InetSocketAddress(host, port);
    }
  }

  static final Route DEFAULT_ROUTE = new Route("*", "/");
  private static final int SCALE = 1000;

  private RouteBuilder() {}

  static List<ServiceRoute> build(
      Map<String, Traffic> traffic, Map<String, Route> routes, List<Serving> serving) {
    List<ServiceRoute> out = new ArrayList<>();
    for (var e : traffic.entrySet()) {
      String service = e.getKey();
      Traffic t = e.getValue();
      if (t.weights().isEmpty() && t.preview().isEmpty()) continue;
      List<Backend> backends = new ArrayList<>();
      for (var w : t.weights().entrySet()) {
        List<Serving> of = of(serving, service, w.getKey());
        for (Serving s : of) {
          backends.add(
              new Backend(
                  s.id(),
                  Integer.toString(s.revision()),
                  s.address(),
                  Math.max(1, w.getValue() * SCALE / of.size())));
        }
      }
      Split split = Split.perRequest();
      if (t.preview().isPresent()) {
        Traffic.Preview p = t.preview().get();
        if (t.weight(p.revision()) == 0) {
          for (Serving s : of(serving, service, p.revision())) {
            backends.add(new Backend(s.id(), Integer.toString(s.revision()), s.address(), 0));
          }
        }
        split =
            new Split(
                Split.Mode.PER_REQUEST,
                Split.DEFAULT_STICKY_COOKIE,
                p.header(),
                "",
                Set.of(Integer.toString(p.revision())));
      }
      backends.sort(Comparator.comparing(Backend::id));
      out.add(
          new ServiceRoute(service, routes.getOrDefault(service, DEFAULT_ROUTE), backends, split));
    }
    return out;
  }

  private static List<Serving> of(List<Serving> serving, String service, int revision) {
    return serving.stream()
        .filter(s -> s.service().equals(service) && s.revision() == revision)
        .toList();
  }
}
