package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.api.ConditionView;
import dev.kiln.api.RolloutView;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/** When {@code kiln up --detach} may return: the fleet serves, or waits for the user, or failed. */
class UpDetachedTest {
  @Test
  void aFleetWithEveryReplicaHealthyAndNoRolloutMoving_isReady() {
    assertThat(UpDetached.healthy(services(service(3, 3, null)))).isTrue();
    assertThat(UpDetached.healthy(services(service(3, 3, rollout("SUCCEEDED"))))).isTrue();
    assertThat(UpDetached.healthy(services(service(3, 2, null)))).isFalse();
    assertThat(UpDetached.healthy(services(service(3, 3, rollout("PROGRESSING"))))).isFalse();
    assertThat(UpDetached.healthy(new ServicesResponse(List.of(), List.of(), null))).isFalse();
  }

  @Test
  void aBlueGreenPreviewWaitingForPromote_isReady_andSaysWhatToRun() {
    RolloutView preview =
        rollout(
            "PROGRESSING",
            new ConditionView("Paused", true, "AwaitingPromotion", "run `kiln promote web`", "t"));
    ServicesResponse s = services(service(3, 3, preview));

    assertThat(UpDetached.healthy(s)).isTrue();
    assertThat(UpDetached.waiting(s)).singleElement().asString().contains("kiln promote web");
  }

  @Test
  void anAbortedRollout_isAFailure() {
    assertThat(UpDetached.failedRollout(services(service(3, 3, rollout("ABORTED")))))
        .get()
        .asString()
        .contains("web was aborted");
    assertThat(UpDetached.failedRollout(services(service(3, 3, rollout("SUCCEEDED"))))).isEmpty();
  }

  private static ServicesResponse services(ServiceView... s) {
    return new ServicesResponse(List.of(s), List.of(), null);
  }

  private static ServiceView service(int replicas, long healthy, @Nullable RolloutView r) {
    return new ServiceView(
        "web",
        null,
        1,
        replicas,
        healthy,
        "blue-green",
        new ServiceView.Route("*", "/", null),
        Map.of(),
        r,
        List.of(),
        null);
  }

  private static RolloutView rollout(String phase, ConditionView... conditions) {
    return new RolloutView(
        "web-r2",
        "web",
        1,
        2,
        "blue-green",
        phase,
        1,
        1,
        0,
        "t",
        "t",
        List.of(conditions),
        conditions.length > 0 ? conditions[0].message() : "",
        3,
        false,
        "none");
  }
}
