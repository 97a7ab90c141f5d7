package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.Termination;
import dev.kiln.runtime.Usage;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** What the journal says about an instance a limit ended, and what /metrics shows of usage. */
class LimitKillsTest {
  private static InstanceStatus ended(Termination t, Usage usage) {
    InstanceSpec spec =
        new InstanceSpec(
            InstanceId.of("web-r3-0002"),
            "web",
            3,
            Digest.of("x".getBytes()),
            List.of(),
            Map.of(),
            Map.of(),
            8080,
            Map.of(),
            new Resources(256L << 20, 500, 128),
            Map.of());
    return new InstanceStatus(
        spec,
        InstanceStatus.State.EXITED,
        Instant.EPOCH,
        OptionalInt.of(137),
        Optional.empty(),
        Optional.of(t),
        Optional.of(usage));
  }

  @Test
  void anOomKill_isJournaledWithTheMemoryLimitAndThePeak() {
    InstanceStatus s = ended(Termination.OOM_KILLED, new Usage(1, 0, 256L << 20, 0, 1, 0));

    var body = EventCodec.encode(LimitKills.event("web-r3-0002", 3, s));

    assertThat(body.get("reason").asText()).isEqualTo("OOMKilled");
    assertThat(body.get("limit").asText()).isEqualTo("256Mi");
    assertThat(body.get("limitBytes").asLong()).isEqualTo(256L << 20);
    assertThat(body.get("peakBytes").asLong()).isEqualTo(256L << 20);
    assertThat(body.get("exitCode").asInt()).isEqualTo(137);
    assertThat(LimitKills.cause("web-r3-0002", Termination.OOM_KILLED, s))
        .isEqualTo(
            "web-r3-0002 OOMKilled at its memory limit 256Mi (peak 256Mi); a new instance"
                + " replaces it");
  }

  @Test
  void aPidsLimitExit_isJournaledWithThePidsLimitAndTheRefusedForks() {
    InstanceStatus s = ended(Termination.PIDS_LIMIT, new Usage(1, 0, 1 << 20, 0, 0, 7));

    var body = EventCodec.encode(LimitKills.event("web-r3-0002", 3, s));

    assertThat(body.get("reason").asText()).isEqualTo("PidsLimit");
    assertThat(body.get("limit").asText()).isEqualTo("128");
    assertThat(body.get("refusedForks").asLong()).isEqualTo(7);
  }

  @Test
  void metrics_showUsageAndLimitsPerInstance() {
    var i =
        new dev.kiln.api.InstanceView(
            "web-r3-0002",
            "web",
            3,
            "process",
            "running",
            "HEALTHY",
            null,
            41001,
            null,
            "127.0.0.1:41001",
            4242L,
            "2026-11-30T00:00:00Z",
            "-",
            Views.limits(new Resources(256L << 20, 500, 0)),
            Views.usage(new Usage(2_500_000_000L, 1024, 2048, 3, 0, 0)));

    String text = InstanceMetrics.render(java.util.List.of(i));

    String labels = "{service=\"web\",instance=\"web-r3-0002\",revision=\"3\"} ";
    assertThat(text)
        .contains("# TYPE kiln_instance_cpu_seconds_total counter\n")
        .contains("kiln_instance_cpu_seconds_total" + labels + "2.5\n")
        .contains("kiln_instance_memory_bytes" + labels + "1024\n")
        .contains("kiln_instance_memory_peak_bytes" + labels + "2048\n")
        .contains("kiln_instance_pids" + labels + "3\n")
        .contains("kiln_instance_memory_limit_bytes" + labels + "268435456\n")
        .contains("kiln_instance_cpu_limit_cores" + labels + "0.5\n")
        .doesNotContain("kiln_instance_pids_limit");
  }
}
