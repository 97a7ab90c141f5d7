package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.controller.EventKind;
import dev.kiln.controller.Rollout;
import dev.kiln.controller.Traffic;
import dev.kiln.model.Digest;
import dev.kiln.model.Strategy;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every journal event survives the journal: encode, store as text, decode gives an equal event. */
class EventCodecTest {
  static final Digest D = Digest.parse("sha256:" + "e".repeat(64));
  static final Rollout ROLLOUT =
      Rollout.start(
          "web",
          1,
          2,
          3,
          new Strategy.Canary(
              List.of(new Strategy.CanaryStep(25, Optional.of(Duration.ofSeconds(5)))),
              Optional.empty()),
          Duration.ofMinutes(5),
          false,
          StateCodecTest.T0);

  /** One sample per record of the sealed family (checked below), with optional parts both ways. */
  static List<JournalEvent> samples() {
    return List.of(
        new JournalEvent.ServerStarted(List.of("web-1-abc"), "127.0.0.1:7878", "[::1]:8080", "k1"),
        new JournalEvent.ImageBaked("hello", D, "/srv/kiln.yaml"),
        new JournalEvent.ImageVerified("hello", D, "signature valid", Optional.of("k1")),
        new JournalEvent.ImageRefused(Optional.of("hello"), D, "no signature", Optional.empty()),
        new JournalEvent.ImageRefused(Optional.empty(), D, "bad signature", Optional.of("k2")),
        new JournalEvent.BlueprintApplied(
            "/srv/kiln.yaml",
            D,
            Optional.of("0123456789012345678901234567890123456789"),
            new TreeMap<>(Map.of("hello", D)),
            new TreeMap<>(
                Map.of(
                    "web",
                    new JournalEvent.AppliedService(
                        "hello",
                        2,
                        new Strategy.BlueGreen(Optional.empty(), Duration.ofMinutes(1)),
                        Duration.ofMinutes(10)))),
            false),
        new JournalEvent.BlueprintApplied(
            "/srv/kiln.yaml",
            D,
            Optional.empty(),
            new TreeMap<>(Map.of("hello", D)),
            new TreeMap<>(
                Map.of(
                    "web",
                    new JournalEvent.AppliedService(
                        "hello",
                        1,
                        new Strategy.Rolling(1, 0),
                        Duration.ofMinutes(10),
                        Optional.of(
                            new dev.kiln.model.Autoscale(
                                0,
                                5,
                                new dev.kiln.model.Autoscale.Target(
                                    dev.kiln.model.Autoscale.Metric.RPS, 20),
                                Duration.ofSeconds(30),
                                Optional.of(Duration.ofMinutes(10))))))),
            true),
        new JournalEvent.BlueprintApplied(
            "/srv/kiln.yaml",
            D,
            Optional.empty(),
            new TreeMap<>(Map.of("hello", D)),
            new TreeMap<>(
                Map.of(
                    "web",
                    new JournalEvent.AppliedService(
                        "hello",
                        2,
                        new Strategy.Rolling(1, 0),
                        Duration.ofMinutes(10),
                        Optional.empty(),
                        new dev.kiln.model.DriftPolicy("report", 1, Duration.ofMinutes(30))))),
            true),
        new JournalEvent.ServiceScaled(
            "web",
            2,
            4,
            new TreeMap<>(Map.of(3, 4)),
            "scale-up: stable window",
            new TreeMap<>(Map.of("observed.rps.stable", "71.50", "ready", "2"))),
        new JournalEvent.RevisionCreated(StateCodecTest.revision(), "rollback"),
        new JournalEvent.RolloutStarted(ROLLOUT, Optional.of(4)),
        new JournalEvent.RolloutStarted(ROLLOUT, Optional.empty()),
        new JournalEvent.RolloutState(ROLLOUT.withReplicas(7)),
        new JournalEvent.RolloutIntent(ROLLOUT.requestPause(), Optional.of("pause")),
        new JournalEvent.TrafficSet(
            "web", Traffic.split(1, 2, 25).withPreview(Traffic.Preview.of(2))),
        new JournalEvent.InstanceStarting("web", 2, Optional.of(D), List.of("a", "b")),
        new JournalEvent.InstanceStarting("web", 2, Optional.empty(), List.of("a")),
        new JournalEvent.InstanceStopping("web", "web-1-abc", "replaced", true),
        new JournalEvent.InstanceAdopted("web", 1, 3, List.of("web-1-abc")),
        new JournalEvent.InstanceFailed("web", 2, "web-2-abc", "boom", Duration.ofSeconds(4)),
        new JournalEvent.InstanceLimitExceeded(
            "web",
            "web-2-abc",
            2,
            "OOMKilled",
            "256Mi",
            Optional.of(268435456L),
            Optional.of(268435456L),
            Optional.empty(),
            Optional.of(137)),
        new JournalEvent.InstanceMoved(
            "web",
            2,
            "web-2-abc",
            "10.0.0.3",
            "web-2-def",
            "10.0.0.2",
            "lost: node 10.0.0.3 is down (task t1)"),
        new JournalEvent.InstanceDrifted(
            "web",
            2,
            "web-2-abc",
            "rootfs",
            "/www/index.html",
            new java.util.TreeMap<>(java.util.Map.of("expected", "f 644 ab", "found", "f 644 cd")),
            "replace",
            "replaced by the same revision"),
        new JournalEvent.ServiceRemoved("old", 5),
        new JournalEvent.AdmissionRefused("site", D, "critical", List.of("DSA-1-1"), D),
        new JournalEvent.AdmissionExcepted("site", D, List.of("DSA-1-1")),
        new JournalEvent.PolicyException(
            "DSA-1-1", java.time.Instant.parse("2026-12-31T00:00:00Z"), "vendor fix next week"),
        new JournalEvent.PatchStarted(
            "web", "site", D, D, List.of("DSA-5532-1", "CVE-2023-5678"), D),
        new JournalEvent.RollbackRequested("web", 3, 4, "previous", "swap"),
        new JournalEvent.Noted("web", EventKind.CANARY_STEP, "step 1/2"),
        new JournalEvent.Noted("web", EventKind.ROLLBACK, "warm fleet takes over"),
        new JournalEvent.SnapshotCreated("/srv/kiln-41.snapshot", 41, 123456, 17, "ab".repeat(32)),
        new JournalEvent.SnapshotDrill("/srv/kiln-41.snapshot", 41, true, "restored, verified"),
        new JournalEvent.Restored("/srv/kiln-41.snapshot", 41, Optional.of(30L), "9b3f11e9"),
        new JournalEvent.Restored("/srv/kiln-41.snapshot", 41, Optional.empty(), "9b3f11e9"),
        EnvironmentSamples.applied(D),
        new JournalEvent.EnvPromoted(
            "web",
            "staging",
            "production",
            3,
            D,
            java.time.Instant.parse("2026-11-30T10:00:00Z"),
            Duration.ofMinutes(10),
            List.of("staging runs web revision 3", "soak: PT12M of PT10M"),
            "promote"),
        new JournalEvent.PromotionRefused(
            "web",
            "staging",
            "production",
            Optional.of(3),
            Optional.of(D),
            "web in staging revision 3 has soaked PT4M of PT10M",
            List.of("signature: valid"),
            "apply"),
        new JournalEvent.PromotionRefused(
            "web",
            "staging",
            "production",
            Optional.empty(),
            Optional.empty(),
            "web in staging has no live revision",
            List.of(),
            "promote"),
        new JournalEvent.CertificateInstalled(
            "web",
            "app.example.org",
            "certs/app.pem",
            "ab".repeat(32),
            java.time.Instant.parse("2027-01-31T00:00:00Z"),
            "CN=app.example.org",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
            "APP_TLS_KEY",
            true,
            false),
        new JournalEvent.CertificateRemoved("web", "ab".repeat(32)),
        new JournalEvent.GitApplied(
            "a".repeat(40),
            "main",
            "Ada <ada@example.com>",
            Optional.of("ada@example.com SHA256:abc"),
            "kiln.yaml",
            D,
            new TreeMap<>(Map.of("web", 3)),
            "webhook"),
        new JournalEvent.GitApplied(
            "b".repeat(40),
            "main",
            "Ada <ada@example.com>",
            Optional.empty(),
            "kiln.yaml",
            D,
            new TreeMap<>(),
            "poll"),
        new JournalEvent.GitRefused(
            "c".repeat(40), "d".repeat(40), "unsigned", "commit ccc by Eve is not signed"),
        new JournalEvent.GitDrifted("a".repeat(40), D, D, "report"),
        new JournalEvent.NotifyConfigured(
            List.of(
                new JournalEvent.Webhook(
                    "0a1b2c3d4e5f",
                    java.net.URI.create("https://hooks.example.org/kiln?team=web"),
                    List.of("rollout-*", "instance-drifted"),
                    "HOOK_KEY",
                    41))),
        new JournalEvent.NotifyConfigured(List.of()),
        new JournalEvent.NotifyDelivered(
            "0a1b2c3d4e5f", "hooks.example.org", 42, "rollout-succeeded", 204, 3),
        new JournalEvent.NotifyFailed(
            "0a1b2c3d4e5f",
            "hooks.example.org",
            42,
            "rollout-succeeded",
            Optional.of(503),
            8,
            "HTTP 503 after 8 attempts"),
        new JournalEvent.NotifyFailed(
            "0a1b2c3d4e5f",
            "hooks.example.org",
            43,
            "instance-drifted",
            Optional.empty(),
            8,
            "connection refused after 8 attempts"));
  }

  @ParameterizedTest
  @MethodSource("samples")
  void everyEventRoundTripsThroughTheJournalsText(JournalEvent event) {
    String stored = Json.write(EventCodec.encode(event));
    JournalEvent back = EventCodec.decode(event.kind(), event.subject(), Json.parse(stored));
    assertThat(back).isEqualTo(event);
    assertThat(back.kind()).isEqualTo(event.kind());
    assertThat(back.subject()).isEqualTo(event.subject());
    assertThat(Json.parse(stored).get("v").asInt()).isEqualTo(EventCodec.VERSION);
  }

  @Test
  void theSamplesCoverEveryRecordOfTheFamily() {
    Set<Class<?>> sampled = samples().stream().map(Object::getClass).collect(Collectors.toSet());
    assertThat(sampled).containsExactlyInAnyOrder(JournalEvent.class.getPermittedSubclasses());
  }

  @Test
  void kindsAreTheHyphenatedStringsJournalsAlreadyHold() {
    assertThat(Arrays.stream(EventKind.values()).map(EventKind::kind))
        .contains("rollout-succeeded", "instance-replaced", "canary-step", "traffic-switched");
    assertThat(EventKind.of("preview-ready")).isEqualTo(EventKind.PREVIEW_READY);
    assertThatThrownBy(() -> EventKind.of("rollout.succeeded"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'rollout.succeeded'")
        .hasMessageContaining("rollout-succeeded");
  }

  @Test
  void v1Bodies_decodeByShape() {
    // v1: an image refused at instance start had no name; its subject was "image"
    JournalEvent refused =
        EventCodec.decode(
            "image-refused",
            "image",
            Json.parse("{\"digest\":\"" + D + "\",\"reason\":\"bad signature\"}"));
    assertThat(refused)
        .isEqualTo(
            new JournalEvent.ImageRefused(Optional.empty(), D, "bad signature", Optional.empty()));
    // v1: the user's rollback request and the planner's rollback line shared one kind
    assertThat(
            EventCodec.decode(
                "rollback",
                "web",
                Json.parse("{\"from\":2,\"to\":3,\"contentOf\":\"previous\",\"mode\":\"swap\"}")))
        .isEqualTo(new JournalEvent.RollbackRequested("web", 2, 3, "previous", "swap"));
    assertThat(
            EventCodec.decode(
                "rollback", "web", Json.parse("{\"service\":\"web\",\"message\":\"swap\"}")))
        .isEqualTo(new JournalEvent.Noted("web", EventKind.ROLLBACK, "swap"));
  }

  @Test
  void aMalformedBodyNamesItsKindAndField_andAFutureVersionIsRefused() {
    assertThatThrownBy(
            () ->
                EventCodec.decode("instance-stopping", "web", Json.parse("{\"service\":\"web\"}")))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("instance-stopping")
        .hasMessageContaining("'instance'");
    assertThatThrownBy(
            () ->
                EventCodec.decode("service-removed", "web", Json.parse("{\"v\":3,\"revision\":1}")))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("version 3")
        .hasMessageContaining("upgrade Kiln");
  }
}
