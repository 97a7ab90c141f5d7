package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.Condition;
import dev.kiln.controller.Revision;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.RuntimeConfig;
import dev.kiln.controller.Traffic;
import dev.kiln.model.Digest;
import dev.kiln.model.HealthCheck;
import dev.kiln.model.Route;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** State is a projection of the journal: what is encoded must decode to an equal record. */
class StateCodecTest {
  static final Instant T0 = Instant.parse("2026-11-23T07:00:00Z");
  static final Digest IMAGE = Digest.of("image".getBytes());

  static Revision revision() {
    TreeMap<String, String> env = new TreeMap<>();
    env.put("LOG_LEVEL", "info");
    TreeMap<String, String> volumes = new TreeMap<>();
    volumes.put("data", "/var/lib/app");
    HealthCheck health =
        new HealthCheck(
            new HealthCheck.Probe.Http("/health", 200),
            Duration.ofMillis(250),
            Duration.ofSeconds(1),
            2,
            3,
            Duration.ofSeconds(60));
    RuntimeConfig config =
        new RuntimeConfig(
            env,
            List.of("API_TOKEN"),
            volumes,
            Optional.of(health),
            Optional.of(new Route("*", "/api")),
            "process");
    return new Revision("web", 3, IMAGE, config);
  }

  @Test
  void revision_roundTripsWithItsContentDigest() {
    Revision r = revision();
    Revision back = StateCodec.revision(Json.parse(Json.write(StateCodec.revision(r))));
    assertThat(back).isEqualTo(r);
    assertThat(back.contentDigest()).isEqualTo(r.contentDigest());
  }

  @Test
  void revision_withResourceLimits_roundTripsThem() {
    Revision r = revision();
    RuntimeConfig c = r.config();
    Revision limited =
        new Revision(
            "web",
            4,
            IMAGE,
            new RuntimeConfig(
                c.env(),
                c.secrets(),
                c.volumes(),
                c.health(),
                c.route(),
                new dev.kiln.model.Resources(256L << 20, 500, 128),
                c.runtime()));

    Revision back = StateCodec.revision(Json.parse(Json.write(StateCodec.revision(limited))));

    assertThat(back).isEqualTo(limited);
    assertThat(back.contentDigest()).isEqualTo(limited.contentDigest());
    assertThat(StateCodec.config(r.config()).has("resources")).isFalse();
  }

  @Test
  void revision_withNetworkNone_roundTripsIt_andPrivateIsNotWritten() {
    Revision r = revision();
    RuntimeConfig c = r.config();
    Revision closed =
        new Revision(
            "web",
            5,
            IMAGE,
            new RuntimeConfig(
                c.env(),
                c.secrets(),
                c.volumes(),
                c.health(),
                c.route(),
                c.resources(),
                c.runtime(),
                "none"));

    Revision back = StateCodec.revision(Json.parse(Json.write(StateCodec.revision(closed))));

    assertThat(back).isEqualTo(closed);
    assertThat(back.config().network()).isEqualTo("none");
    assertThat(StateCodec.config(r.config()).has("network")).isFalse();
  }

  @Test
  void rollout_roundTripsEveryField() {
    Strategy canary =
        new Strategy.Canary(
            List.of(
                new Strategy.CanaryStep(10, Optional.of(Duration.ofSeconds(30))),
                new Strategy.CanaryStep(100, Optional.empty())),
            Optional.of(new Strategy.Analysis(0.01, Optional.of(Duration.ofMillis(250)), 20)));
    Rollout r =
        new Rollout(
            "web",
            2,
            3,
            4,
            canary,
            Duration.ofMinutes(10),
            false,
            Rollout.Phase.PAUSED,
            1,
            Optional.of(T0),
            T0.plusSeconds(5),
            7,
            true,
            Optional.empty(),
            new Rollout.Intent(true, false, true),
            List.of(
                new Condition(Condition.PAUSED, true, "PauseRequested", "paused by request", T0)));
    assertThat(StateCodec.rollout(Json.parse(Json.write(StateCodec.rollout(r))))).isEqualTo(r);
    Rollout bg =
        Rollout.start(
            "web",
            1,
            2,
            3,
            new Strategy.BlueGreen(Optional.of(Duration.ofMillis(300)), Duration.ofMinutes(10)),
            Duration.ofMinutes(5),
            true,
            T0);
    assertThat(StateCodec.rollout(StateCodec.rollout(bg))).isEqualTo(bg);
    Rollout rolling =
        Rollout.start("web", 0, 1, 2, Strategy.Rolling.DEFAULT, Duration.ofMinutes(5), false, T0);
    assertThat(StateCodec.rollout(StateCodec.rollout(rolling))).isEqualTo(rolling);
    assertThat(rolling.withReplicas(5).replicas()).isEqualTo(5);
    assertThat(rolling.withReplicas(5).withReplicas(2)).isEqualTo(rolling);
  }

  @Test
  void traffic_roundTripsWithPreview() {
    Traffic t = Traffic.split(2, 3, 10).withPreview(Traffic.Preview.of(3));
    assertThat(StateCodec.traffic(StateCodec.traffic(t))).isEqualTo(t);
    assertThat(StateCodec.traffic(StateCodec.traffic(Traffic.NONE))).isEqualTo(Traffic.NONE);
  }
}
