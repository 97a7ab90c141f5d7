package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Traffic;
import dev.kiln.router.Backend;
import dev.kiln.router.ServiceRoute;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouteBuilderTest {
  static final List<RouteBuilder.Serving> SERVING =
      List.of(
          new RouteBuilder.Serving("web-1-a", "web", 1, 4001),
          new RouteBuilder.Serving("web-1-b", "web", 1, 4002),
          new RouteBuilder.Serving("web-2-a", "web", 2, 4003));

  @Test
  void eachRevisionsInstancesShareItsWeight() {
    ServiceRoute route =
        RouteBuilder.build(Map.of("web", Traffic.split(1, 2, 10)), Map.of(), SERVING).get(0);
    assertThat(route.backends())
        .extracting(Backend::id)
        .containsExactly("web-1-a", "web-1-b", "web-2-a");
    int rev1 =
        route.backends().stream()
            .filter(b -> b.revision().equals("1"))
            .mapToInt(Backend::weight)
            .sum();
    int rev2 =
        route.backends().stream()
            .filter(b -> b.revision().equals("2"))
            .mapToInt(Backend::weight)
            .sum();
    assertThat(rev1).isEqualTo(9 * rev2);
    assertThat(route.route()).isEqualTo(RouteBuilder.DEFAULT_ROUTE);
  }

  @Test
  void onlyWeightedRevisionsServe_andAPreviewRevisionIsReachableOnlyByItsHeader() {
    ServiceRoute all1 = RouteBuilder.build(Map.of("web", Traffic.all(1)), Map.of(), SERVING).get(0);
    assertThat(all1.backends()).extracting(Backend::id).containsExactly("web-1-a", "web-1-b");
    ServiceRoute preview =
        RouteBuilder.build(
                Map.of("web", Traffic.all(1).withPreview(Traffic.Preview.of(2))), Map.of(), SERVING)
            .get(0);
    assertThat(preview.backends())
        .filteredOn(b -> b.revision().equals("2"))
        .extracting(Backend::weight)
        .containsExactly(0);
    assertThat(preview.split().overrideHeader()).isEqualTo(Traffic.Preview.HEADER);
    assertThat(preview.split().overridableRevisions()).containsExactly("2");
  }

  @Test
  void aServiceWithoutTrafficHasNoRoute() {
    assertThat(RouteBuilder.build(Map.of("web", Traffic.NONE), Map.of(), SERVING)).isEmpty();
  }

  @Test
  void instancesOnOtherHosts_areRoutedToTheirHostsAddress() {
    var remote =
        List.of(
            new RouteBuilder.Serving("web-1-a", "web", 1, "10.79.1.2", 4001),
            new RouteBuilder.Serving("web-1-b", "web", 1, 4002));
    ServiceRoute route = RouteBuilder.build(Map.of("web", Traffic.all(1)), Map.of(), remote).get(0);
    assertThat(route.backends())
        .extracting(b -> b.address().getHostString() + ":" + b.address().getPort())
        .containsExactly("10.79.1.2:4001", "127.0.0.1:4002");
  }
}
