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
    String table = DriftCommand.table(json.get("drift"));
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
    assertThat(DriftCommand.table(new ObjectMapper().readTree("[]")))
        .isEqualTo("no drift observed\n");
  }
}
