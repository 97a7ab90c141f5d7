package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.digest;
import static dev.kiln.controller.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.ServiceSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlanRendererTest {
  @Test
  void rendersEachKindOfChangeLikeTerraformPlan() {
    ServiceSpec web = spec("web", "hello", 3, Map.of("LOG_LEVEL", "debug"));
    ServiceSpec webLive = spec("web", "hello", 3, Map.of("LOG_LEVEL", "info"));
    ServiceSpec api = spec("api", "api", 2, Map.of());
    ServiceSpec worker = spec("worker", "api", 5, Map.of());
    Map<String, LiveService> live =
        Map.of(
            "web",
                new LiveService(
                    new Revision("web", 3, digest("hello-v1"), RuntimeConfig.of(webLive)), 3),
            "worker",
                new LiveService(
                    new Revision("worker", 1, digest("api-v1"), RuntimeConfig.of(worker)), 3),
            "old",
                new LiveService(
                    new Revision("old", 2, digest("api-v1"), RuntimeConfig.of(api)), 1));
    Plan plan =
        RevisionPlanner.plan(
            Map.of("web", web, "api", api, "worker", worker),
            Map.of("hello", digest("hello-v2"), "api", digest("api-v1")),
            live);

    String h1 = digest("hello-v1").shortHex();
    String h2 = digest("hello-v2").shortHex();
    String a1 = digest("api-v1").shortHex();
    assertThat(PlanRenderer.render(plan))
        .isEqualTo(
            """
        Kiln will perform the following actions:

          + create  api revision 1 (image sha256:%s…, 2 replicas)
          - remove  old revision 2 (1 replica)
          ~ replace web revision 3 → 4 (image: sha256:%s… → sha256:%s…, env.LOG_LEVEL: info → debug)
          ± scale   worker revision 1 3 → 5

        Plan: 1 to create, 1 to replace, 1 to scale, 1 to remove.
        """
                .formatted(a1, h1, h2));
  }

  @Test
  void emptyPlanSaysSo() {
    assertThat(PlanRenderer.render(new Plan(java.util.List.of())))
        .isEqualTo("No changes. The live services match the blueprint.\n");
  }
}
