package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Route;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RouterRoutingIT {
  private TestBackend web1, web2, api, canary;
  private Router router;

  @BeforeEach
  void backends() throws Exception {
    web1 = TestBackend.start("web-1");
    web2 = TestBackend.start("web-2");
    api = TestBackend.start("api-1");
    canary = TestBackend.start("web-canary");
  }

  @AfterEach
  void stop() {
    if (router != null) router.close();
    for (var b : List.of(web1, web2, api, canary)) b.close();
  }

  private RawHttp.Response get(String path, String host, String... headers) throws Exception {
    try (var c = RawHttp.connect(RouterFixture.address(router))) {
      return c.exchange(RawHttp.get(path, host, headers));
    }
  }

  @Test
  void routesByHostAndPathPrefix() throws Exception {
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    ServiceRoute.of(
                        "web", new Route("shop.example", "/"), List.of(web1.backend("1", 1))),
                    ServiceRoute.of(
                        "api", new Route("shop.example", "/api"), List.of(api.backend("1", 1))),
                    ServiceRoute.of("other", new Route("*", "/"), List.of(web2.backend("1", 1))))));

    assertThat(get("/cart", "shop.example").header("x-backend")).isEqualTo("web-1");
    assertThat(get("/api/orders", "shop.example").header("x-backend")).isEqualTo("api-1");
    assertThat(get("/api/orders", "elsewhere.org").header("x-backend")).isEqualTo("web-2");
    assertThat(get("/", "SHOP.EXAMPLE:8080").header("x-backend")).isEqualTo("web-1");
  }

  @Test
  void everyListenerServesTheSameTable() throws Exception {
    var any = new java.net.InetSocketAddress("127.0.0.1", 0);
    router =
        RouterFixture.start(
            RouterFixture.table(1, "web", List.of(web1.backend("1", 1))),
            c -> c.listeners(List.of(any, any)));
    assertThat(router.addresses()).hasSize(2);
    for (var address : router.addresses()) {
      try (var c = RawHttp.connect(address)) {
        assertThat(c.exchange(RawHttp.get("/", "x")).header("x-backend")).isEqualTo("web-1");
      }
    }
  }

  @Test
  void noRoute_is404WithAReason() throws Exception {
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    ServiceRoute.of(
                        "web", new Route("shop.example", "/"), List.of(web1.backend("1", 1))))));
    var r = get("/", "nobody.example");
    assertThat(r.status()).isEqualTo(404);
    assertThat(r.text()).contains("no route for host nobody.example");
    assertThat(router.metrics().unrouted()).isEqualTo(1);
  }

  @Test
  void weights_splitTrafficRoughlyAsConfigured() throws Exception {
    router =
        RouterFixture.start(
            RouterFixture.table(1, "web", List.of(web1.backend("1", 3), web2.backend("1", 1))));
    Map<String, Integer> counts = new HashMap<>();
    try (var c = RawHttp.connect(RouterFixture.address(router))) {
      for (int i = 0; i < 800; i++)
        counts.merge(c.exchange(RawHttp.get("/", "x")).header("x-backend"), 1, Integer::sum);
    }
    // 3:1 of 800 = 600/200; binomial sd ≈ 12, so ±80 never fails by chance
    assertThat(counts.get("web-1")).isBetween(520, 680);
    assertThat(counts.get("web-2")).isBetween(120, 280);
  }

  @Test
  void stickyCookie_keepsAUserOnOneRevision_andIsSetWhenMissing() throws Exception {
    var split = Split.sticky();
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    new ServiceRoute(
                        "web",
                        new Route("*", "/"),
                        List.of(web1.backend("1", 1), web2.backend("1", 1), canary.backend("2", 2)),
                        split))));
    var first = get("/", "x");
    String setCookie = first.header("set-cookie");
    assertThat(setCookie).startsWith("kiln-sticky=").contains("Path=/");
    String cookie = setCookie.substring(0, setCookie.indexOf(';'));
    boolean firstIsCanary = first.header("x-backend").equals("web-canary");

    Set<Boolean> sides = new java.util.HashSet<>();
    for (int i = 0; i < 40; i++) {
      var r = get("/", "x", "Cookie: " + cookie);
      assertThat(r.header("set-cookie")).isNull();
      sides.add(r.header("x-backend").equals("web-canary"));
    }
    assertThat(sides).containsExactly(firstIsCanary);

    // and different users do land on both sides
    Set<String> revisions = new java.util.HashSet<>();
    for (int u = 0; u < 60; u++)
      revisions.add(get("/", "x", "Cookie: kiln-sticky=user" + u).header("x-backend"));
    assertThat(revisions).contains("web-canary").containsAnyOf("web-1", "web-2");
  }

  @Test
  void revisionOverride_reachesThePreviewFleetOnPurpose() throws Exception {
    var split = Split.perRequest().withOverrides("X-Kiln-Revision", "kiln-revision", Set.of("7"));
    router =
        RouterFixture.start(
            new RouteTable(
                1,
                List.of(
                    new ServiceRoute(
                        "web",
                        new Route("*", "/"),
                        List.of(web1.backend("6", 1), canary.backend("7", 0)),
                        split))));
    for (int i = 0; i < 20; i++) assertThat(get("/", "x").header("x-backend")).isEqualTo("web-1");
    assertThat(get("/", "x", "X-Kiln-Revision: 7").header("x-backend")).isEqualTo("web-canary");
    assertThat(get("/", "x", "Cookie: a=b; kiln-revision=7").header("x-backend"))
        .isEqualTo("web-canary");
    // not on the allow-list: ignored, normal split
    assertThat(get("/", "x", "X-Kiln-Revision: 6").header("x-backend")).isEqualTo("web-1");
  }

  @Test
  void overrideToAnAbsentRevision_is503NamingIt() throws Exception {
    router = RouterFixture.start(RouterFixture.table(1, "web", List.of(web1.backend("6", 1))));
    var r = get("/", "x", "X-Kiln-Revision: 9");
    assertThat(r.status()).isEqualTo(503);
    assertThat(r.text()).contains("service web").contains("revision 9");
  }

  @Test
  void forwardedHeadersAndRequestId_areAdded_andHopByHopHeadersRemoved() throws Exception {
    TestBackend hopper =
        TestBackend.start(
            "hop",
            ex -> {
              ex.getResponseHeaders().add("Keep-Alive", "timeout=5");
              ex.getResponseHeaders().add("X-Secret-Hop", "1");
              ex.getResponseHeaders().add("Connection", "X-Secret-Hop");
              TestBackend.echo("hop", ex);
            });
    try {
      router = RouterFixture.start(RouterFixture.table(1, "web", List.of(hopper.backend("1", 1))));
      var r =
          get(
              "/p",
              "shop.example",
              "X-Forwarded-For: 203.0.113.9",
              "Connection: keep-alive, X-Drop-Me",
              "X-Drop-Me: 1",
              "Keep-Alive: 300",
              "Proxy-Authorization: Basic eA==",
              "TE: trailers");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-seen-x-forwarded-for")).isEqualTo("203.0.113.9, 127.0.0.1");
      assertThat(r.header("x-seen-x-forwarded-proto")).isEqualTo("http");
      assertThat(r.header("x-seen-x-forwarded-host")).isEqualTo("shop.example");
      assertThat(r.header("x-seen-x-request-id")).isNotBlank();
      assertThat(r.headers())
          .doesNotContainKeys(
              "x-seen-x-drop-me", "x-seen-keep-alive", "x-seen-proxy-authorization", "x-seen-te");
      // response side
      assertThat(r.headers()).doesNotContainKeys("keep-alive", "x-secret-hop", "connection");

      var withId = get("/p", "x", "X-Request-Id: abc-123");
      assertThat(withId.header("x-seen-x-request-id")).isEqualTo("abc-123");
    } finally {
      hopper.close();
    }
  }

  @Test
  void metrics_countWhatWasSent_andPrometheusRendersThem() throws Exception {
    TestBackend teapot =
        TestBackend.start(
            "teapot",
            ex -> {
              int code = ex.getRequestURI().getPath().equals("/err") ? 500 : 200;
              ex.sendResponseHeaders(code, -1);
            });
    try {
      router = RouterFixture.start(RouterFixture.table(3, "web", List.of(teapot.backend("4", 1))));
      try (var c = RawHttp.connect(RouterFixture.address(router))) {
        for (int i = 0; i < 7; i++) c.exchange(RawHttp.get("/ok", "x"));
        for (int i = 0; i < 3; i++) c.exchange(RawHttp.get("/err", "x"));
      }
      ServiceMetrics web = router.metrics().service("web").orElseThrow();
      assertThat(web.total().requests()).isEqualTo(10);
      assertThat(web.total().statuses()).isEqualTo(new StatusCounts(0, 7, 0, 0, 3));
      assertThat(web.total().inFlight()).isZero();
      BackendMetrics b = web.backends().get(0);
      assertThat(b.id()).isEqualTo("teapot");
      assertThat(b.traffic().requests()).isEqualTo(10);
      assertThat(b.traffic().latency().count()).isEqualTo(10);
      assertThat(b.traffic().latency().p99()).isPositive();
      assertThat(router.prometheus())
          .contains("kiln_router_table_version 3")
          .contains(
              "kiln_router_backend_requests_total{service=\"web\",backend=\"teapot\",revision=\"4\",code=\"2xx\"} 7")
          .contains("kiln_router_service_requests_total{service=\"web\",code=\"5xx\"} 3");
    } finally {
      teapot.close();
    }
  }
}
