package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code kiln status SERVICE} shows what each instance uses, and why a limit ended one. */
class StatusResourcesTest {
  private FakeKilnServer server;

  @BeforeEach
  void start() throws java.io.IOException {
    server = new FakeKilnServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void status_showsCpuAndMemoryAgainstTheLimits_andOOMKilledWithItsPeak() {
    String running =
        """
        {"id":"web-3-a1b2","service":"web","revision":3,"runtime":"process","state":"running",
         "health":"HEALTHY","port":41234,"pid":null,"startedAt":"2026-11-23T07:00:01.5Z",
         "limits":{"memoryBytes":268435456,"cpu":0.5,"pids":128},
         "usage":{"cpuSeconds":12.34,"memoryBytes":42991616,"memoryPeakBytes":50331648,"pids":3,
                  "oomKills":0,"refusedForks":0}}
        """;
    String killed =
        """
        {"id":"web-3-c3d4","service":"web","revision":3,"runtime":"process","state":"exited",
         "health":"OOMKilled","termination":"OOMKilled","port":41235,"pid":null,
         "startedAt":"2026-11-23T07:00:01.5Z","limits":{"memoryBytes":268435456},
         "usage":{"cpuSeconds":0.5,"memoryBytes":0,"memoryPeakBytes":268435456,"pids":0,
                  "oomKills":1,"refusedForks":0}}
        """;
    server.on("GET /v1/services/web", Canned.service("web", 1, "null", running, killed));

    FakeKilnServer.Run r = server.kiln("status", "web");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .contains("CPU               MEMORY")
        .containsPattern("web-3-a1b2 .* HEALTHY .* 12\\.3s \\(0\\.5 cpu\\) +41Mi/256Mi")
        .containsPattern("web-3-c3d4 .* exited +OOMKilled .* 0\\.5s +peak 256Mi/256Mi");
  }

  @Test
  void status_namesTheIsolationInUse_onceForItsInstances() {
    String a =
        """
        {"id":"web-1-a","service":"web","revision":1,"runtime":"process","state":"running",
         "health":"HEALTHY","port":41234,"pid":null,"startedAt":"2026-11-23T07:00:01.5Z",
         "isolation":"sandboxed (bubblewrap), tenant uid 1234567, seccomp, network kiln-7 at 10.78.0.30",
         "address":"10.78.0.30"}
        """;
    String b =
        """
        {"id":"web-1-b","service":"web","revision":1,"runtime":"process","state":"running",
         "health":"HEALTHY","port":41235,"pid":null,"startedAt":"2026-11-23T07:00:01.5Z",
         "isolation":"sandboxed (bubblewrap), tenant uid 1234567, seccomp, network kiln-9 at 10.78.0.38",
         "address":"10.78.0.38"}
        """;
    server.on("GET /v1/services/web", Canned.service("web", 1, "null", a, b));

    FakeKilnServer.Run r = server.kiln("status", "web");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .containsOnlyOnce("isolation: sandboxed (bubblewrap), tenant, seccomp, network\n");
  }
}
