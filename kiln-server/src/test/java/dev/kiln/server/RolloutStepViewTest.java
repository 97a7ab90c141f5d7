package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Rollout;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The "step N/M" that `kiln status`, `kiln up` and `kiln apply` print for a rollout. */
class RolloutStepViewTest {
  private static final Strategy ROLLING = new Strategy.Rolling(1, 0);
  private static final Rollout.Phase PROGRESSING = Rollout.Phase.PROGRESSING;
  private static final Strategy BLUE_GREEN =
      new Strategy.BlueGreen(Optional.empty(), Duration.ZERO);

  @Test
  void aRollingRolloutCountsTheNewInstancesThatWereHealthy() {
    int steps = Views.steps(ROLLING, 3);
    assertThat(steps).isEqualTo(3);
    assertThat(Views.step(ROLLING, 0, steps, 0, 0, PROGRESSING)).isZero();
    assertThat(Views.step(ROLLING, 0, steps, 33, 1, PROGRESSING)).isEqualTo(1);
    assertThat(Views.step(ROLLING, 0, steps, 67, 2, PROGRESSING)).isEqualTo(2);
    // a rollout that finished reads 3/3, not 0/3
    assertThat(Views.step(ROLLING, 0, steps, 100, 3, PROGRESSING)).isEqualTo(3);
  }

  @Test
  void aFirstRollingDeploy_hasAllTheTrafficAtOnce_butNoStepUntilAnInstanceIsHealthy() {
    assertThat(Views.step(ROLLING, 0, 3, 100, 0, PROGRESSING)).isZero();
    assertThat(Views.step(ROLLING, 0, 3, 100, 2, PROGRESSING)).isEqualTo(2);
  }

  @Test
  void aSucceededRolloutTookAllItsSteps_evenAfterAScaleUp() {
    // one instance rolled out (mark 1), then scaled to three: not 1/3
    assertThat(Views.step(ROLLING, 0, Views.steps(ROLLING, 3), 100, 1, Rollout.Phase.SUCCEEDED))
        .isEqualTo(3);
    assertThat(Views.step(BLUE_GREEN, 0, 1, 100, 0, Rollout.Phase.SUCCEEDED)).isEqualTo(1);
  }

  @Test
  void aRollingRolloutToNoInstancesHasNoSteps() {
    assertThat(Views.step(ROLLING, 0, Views.steps(ROLLING, 0), 100, 0, PROGRESSING)).isZero();
  }

  @Test
  void aBlueGreenRolloutHasOneStepTheSwitch() {
    assertThat(Views.steps(BLUE_GREEN, 3)).isEqualTo(1);
    assertThat(Views.step(BLUE_GREEN, 0, 1, 0, 0, PROGRESSING)).isZero();
    assertThat(Views.step(BLUE_GREEN, 0, 1, 100, 0, PROGRESSING)).isEqualTo(1);
    assertThat(Views.step(BLUE_GREEN, 1, 1, 100, 0, PROGRESSING)).isEqualTo(1);
  }

  @Test
  void aCanaryCountsItsOwnSteps() {
    Strategy canary =
        new Strategy.Canary(
            List.of(
                new Strategy.CanaryStep(10, Optional.empty()),
                new Strategy.CanaryStep(50, Optional.empty())),
            Optional.empty());
    assertThat(Views.steps(canary, 3)).isEqualTo(2);
    assertThat(Views.step(canary, 1, 2, 10, 100_000, PROGRESSING)).isEqualTo(1);
  }
}
