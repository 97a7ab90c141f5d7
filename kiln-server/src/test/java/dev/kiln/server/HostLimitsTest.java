package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.model.Blueprint;
import dev.kiln.runtime.HostCapacity;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Limits no host could give are refused at plan time, located at the service. */
class HostLimitsTest {
  private static final HostCapacity TWO_CORES_4GI = new HostCapacity(2, 4L << 30);

  private static Blueprint blueprint(String resources, String runtime) {
    return BlueprintParser.parse(
        Path.of("kiln.yaml"),
        "images: { app: { from: scratch } }\nservices:\n  web:\n    image: app\n    resources: "
            + resources
            + "\n    runtime: "
            + runtime
            + "\n");
  }

  @Test
  void limitsWithinTheHost_pass() {
    assertThat(
            HostLimits.problems(
                blueprint("{ memory: 4Gi, cpu: 2, pids: 100 }", "process"), TWO_CORES_4GI))
        .isEmpty();
  }

  @Test
  void moreCoresOrMemoryThanTheHostHas_isRefused_locatedAtTheService() {
    var problems =
        HostLimits.problems(blueprint("{ memory: 8Gi, cpu: 2500m }", "process"), TWO_CORES_4GI);

    assertThat(problems)
        .containsExactly(
            "kiln.yaml:3:3: services.web.resources.cpu: 2.5 is more than the 2 cores of this host;"
                + " lower it",
            "kiln.yaml:3:3: services.web.resources.memory: 8Gi is more than the 4Gi of this host;"
                + " lower it");
    assertThatThrownBy(() -> HostLimits.check(blueprint("{ cpu: 3 }", "process"), TWO_CORES_4GI))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("services.web.resources.cpu: 3 is more than the 2 cores");
  }

  @Test
  void dockerServices_areLeftToTheirEngine() {
    assertThat(HostLimits.problems(blueprint("{ cpu: 64 }", "docker"), TWO_CORES_4GI)).isEmpty();
  }
}
