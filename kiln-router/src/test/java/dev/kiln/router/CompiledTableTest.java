package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Route;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CompiledTableTest {
  private static final CompiledTable TABLE =
      compile(
          new RouteTable(
              1,
              List.of(
                  svc("any-root", "*", "/"),
                  svc("any-api", "*", "/api"),
                  svc("shop-root", "shop.example", "/"),
                  svc("shop-admin", "shop.example", "/admin/"),
                  svc("wild", "*.example", "/"))));

  private static ServiceRoute svc(String name, String host, String path) {
    return ServiceRoute.of(
        name, new Route(host, path), List.of(Backend.local(name + "-1", "1", 9000)));
  }

  private static CompiledTable compile(RouteTable t) {
    var services = new ArrayList<CompiledService>();
    for (ServiceRoute s : t.services()) {
      var states = new HashMap<Backend, BackendState>();
      s.backends().forEach(b -> states.put(b, new BackendState(s.service(), b)));
      services.add(new CompiledService(s, new TrafficStats(), states));
    }
    return new CompiledTable(t, services);
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource({
    "shop.example, /, shop-root",
    "SHOP.example:8080, /cart, shop-root",
    "shop.example, /admin/users, shop-admin",
    "shop.example, /admin, shop-root", // prefix /admin/ needs the slash
    "api.example, /x, wild",
    "other.org, /, any-root",
    "other.org, /api, any-api",
    "other.org, /api/v1?x=1, any-api",
    "other.org, /api?x=1, any-api",
    "other.org, /apix, any-root", // segment boundary
    "127.0.0.1:8080, http://127.0.0.1/api/v2, any-api", // absolute-form request target
  })
  void routesByMostSpecificHostThenLongestPrefix(String host, String uri, String expected) {
    assertThat(TABLE.match(host, uri).name).isEqualTo(expected);
  }

  @Test
  void noRoute_forAnAsteriskTargetOrAnUnknownHostWithoutWildcard() {
    var onlyShop = compile(new RouteTable(1, List.of(svc("shop", "shop.example", "/"))));
    assertThat(onlyShop.match("other.org", "/")).isNull();
    assertThat(onlyShop.match("shop.example", "*")).isNull();
  }

  @Test
  void table_rejectsTwoServicesOnOneRoute() {
    assertThatThrownBy(() -> new RouteTable(2, List.of(svc("a", "*", "/"), svc("b", "*", "/"))))
        .isInstanceOf(RouterException.class)
        .hasMessageContaining("share the route");
  }
}
