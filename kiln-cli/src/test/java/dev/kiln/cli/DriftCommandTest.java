package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class DriftCommandTest {
  @Test
  void theTable_showsTheSurfaceWhatResponseAndEvidence() throws Exception {
    var json =
        new ObjectMapper()
            .readTree(
                """
                {"drift":[{"at":"2026-01-01T00:00:00Z","service":"web","revision":1,
                  "instance":"web-1-abc","surface":"rootfs","what":"/www/index.html",
                  "evidence":{"expected":"f 644 aa","found":"f 644 bb","path":"/www/index.html"},
                  "response":"replace","reason":"replaced by the same revision"}]}
                """);
    String table =
        DriftCommand.table(ApiClient.read(json, dev.kiln.api.DriftResponse.class).drift());
    assertThat(table)
        .contains("SURFACE")
        .contains("web-1-abc")
        .contains("rootfs")
        .contains("/www/index.html")
        .contains("replace")
        .contains("expected=f 644 aa found=f 644 bb");
  }

  @Test
  void noVerdicts_saySo() throws Exception {
    assertThat(DriftCommand.table(java.util.List.of())).isEqualTo("no drift observed\n");
  }

  @Test
  void kilnDrift_ofAService_asksTheApi_andPrintsJsonWithDashOJson() throws Exception {
    try (FakeKilnServer server = new FakeKilnServer()) {
      server.on("GET /v1/drift?service=web", "{\"drift\":[]}");
      FakeKilnServer.Run r = server.kiln("drift", "web", "-o", "json");
      assertThat(r.exit()).isZero();
      assertThat(new ObjectMapper().readTree(r.out()).get("drift").isArray()).isTrue();
      assertThat(server.routes()).containsExactly("GET /v1/drift?service=web");
    }
  }

  @Test
  void kilnExec_postsTheCommand_printsItsOutput_andExitsWithItsCode() throws Exception {
    try (FakeKilnServer server = new FakeKilnServer()) {
      server.on(
          "POST /v1/instances/web-1-abc/exec",
          "{\"instance\":\"web-1-abc\",\"exitCode\":3,\"output\":\"inside\\n\",\"replaced\":true}");
      FakeKilnServer.Run r = server.kiln("exec", "web-1-abc", "--", "/bin/sh", "-c", "echo inside");
      assertThat(r.exit()).isEqualTo(3);
      assertThat(r.out()).isEqualTo("inside\n");
      assertThat(r.err()).contains("replaced");
      assertThat(new ObjectMapper().readTree(server.requests().getFirst().body()).get("command"))
          .hasSize(3);
    }
  }
}
