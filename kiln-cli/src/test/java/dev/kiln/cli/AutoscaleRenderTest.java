package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.api.AutoscaleView;
import dev.kiln.api.ScalerPreview;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code kiln status} shows an autoscaled service's count, bounds, target and observed value;
 * {@code kiln plan} what the scaler would do.
 */
class AutoscaleRenderTest {
  private static final ObjectMapper M = new ObjectMapper();

  @Test
  void status_showsCountBoundsTargetAndObservedPerInstance() throws Exception {
    AutoscaleView a =
        M.readValue(
            """
            {"current":3,"min":1,"max":10,"metric":"rps","target":20.0,"desired":3,
             "observed":55.5,"observedPerInstance":18.5,"rule":"hold: within 10% of the target"}
            """,
            AutoscaleView.class);
    assertThat(StatusCommand.autoscale(a))
        .isEqualTo(
            "3 now (1-10), wants 3; target rps 20 per instance, observed 55.50 (18.50 per"
                + " instance); hold: within 10% of the target");
  }

  @Test
  void plan_showsTheScalersDecision_asNoChange() throws Exception {
    List<ScalerPreview> s =
        M.readerForListOf(ScalerPreview.class)
            .readValue(
                """
            [{"service":"web","from":2,"desired":4,"rule":"scale-up: stable window","inputs":{}},
             {"service":"api","from":1,"desired":1,"rule":"hold: no metrics yet","inputs":{}}]
            """);
    assertThat(PlanCommand.scaler(s))
        .isEqualTo(
            "\nAuto-scaler now (not a change):\n"
                + "  web: 2 -> 4 instance(s), scale-up: stable window\n"
                + "  api: keep 1 instance(s), hold: no metrics yet\n");
    assertThat(PlanCommand.scaler(List.of())).isEmpty();
    assertThat(PlanCommand.scaler(null)).isEmpty();
  }
}
