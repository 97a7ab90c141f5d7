package dev.kiln.router;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The whole routing state, as one immutable value. The control plane builds a new table and hands
 * it to {@link Router#swap}; versions must increase so that a late, stale table can never win.
 */
public record RouteTable(long version, List<ServiceRoute> services) {
  public RouteTable {
    services = List.copyOf(services);
    var names = new HashSet<String>();
    var routes = new HashSet<String>();
    for (ServiceRoute s : services) {
      if (!names.add(s.service())) {
        throw new RouterException(
            "route table v" + version + ": service " + s.service() + " twice");
      }
      String key = s.route().host().toLowerCase(Locale.ROOT) + s.route().pathPrefix();
      if (!routes.add(key)) {
        throw new RouterException(
            "route table v"
                + version
                + ": services share the route "
                + key
                + " (give each host/path prefix to one service)");
      }
    }
  }

  public static RouteTable empty() {
    return new RouteTable(0, List.of());
  }

  public Optional<ServiceRoute> service(String name) {
    return services.stream().filter(s -> s.service().equals(name)).findFirst();
  }

  /** A copy with one service added or replaced, at the next version. */
  public RouteTable with(ServiceRoute route) {
    var next = new java.util.ArrayList<ServiceRoute>();
    for (ServiceRoute s : services) if (!s.service().equals(route.service())) next.add(s);
    next.add(route);
    return new RouteTable(version + 1, next);
  }
}
