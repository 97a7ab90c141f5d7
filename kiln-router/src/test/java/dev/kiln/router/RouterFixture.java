package dev.kiln.router;

import dev.kiln.model.Route;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.UnaryOperator;

/** Starts routers on a free loopback port for the integration tests. */
final class RouterFixture {
  private RouterFixture() {}

  static Router start(RouteTable table) {
    return start(table, b -> b);
  }

  static Router start(RouteTable table, UnaryOperator<RouterConfig.Builder> tweak) {
    var builder =
        RouterConfig.builder()
            .listeners(List.of(new InetSocketAddress("127.0.0.1", 0)))
            .ioThreads(2);
    return Router.start(tweak.apply(builder).build(), table);
  }

  static RouteTable table(long version, String service, List<Backend> backends) {
    return new RouteTable(
        version, List.of(ServiceRoute.of(service, new Route("*", "/"), backends)));
  }

  static InetSocketAddress address(Router r) {
    return r.addresses().get(0);
  }
}
