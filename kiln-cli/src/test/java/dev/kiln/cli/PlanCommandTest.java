package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlanCommandTest {
  @TempDir Path dir;
  private FakeKilnServer server;
  private Path blueprint;

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
    blueprint = Files.writeString(dir.resolve("kiln.yaml"), "services: {}\n");
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void sendsTheBlueprintsTextNotItsPath_andPrintsTheServersText() throws Exception {
    server.on("POST /v1/plan", Canned.PLAN_CHANGES);

    FakeKilnServer.Run r = server.kiln("plan", "-f", blueprint.toString());

    assertThat(r.exit()).isZero();
    FakeKilnServer.Request req = server.requests().getFirst();
    assertThat(req.headers()).containsEntry("content-type", "application/json");
    JsonNode body = ApiClient.JSON.readTree(req.body());
    assertThat(body.has("file")).isFalse();
    assertThat(body.path("blueprint").asText()).isEqualTo("services: {}\n");
    assertThat(body.path("name").asText()).isEqualTo("kiln.yaml");
    assertThat(body.path("folder").asText()).isEqualTo(dir.getFileName().toString());
    assertThat(r.out())
        .isEqualTo(
            """
            -/+ web: replace revision 2 with 3 (image changed)
              + api: create revision 1

            Plan: 1 to create, 1 to replace, 0 to scale, 0 to remove.
            """);
  }

  @Test
  void detailedExitcode_is2WithChanges_0Without() {
    server.on("POST /v1/plan", Canned.PLAN_CHANGES);
    assertThat(server.kiln("plan", "-f", blueprint.toString(), "--detailed-exitcode").exit())
        .isEqualTo(2);
    assertThat(server.kiln("plan", "-f", blueprint.toString()).exit()).isZero();
  }

  @Test
  void detailedExitcode_is0WhenThereIsNothingToDo() {
    server.on("POST /v1/plan", Canned.PLAN_NONE);

    FakeKilnServer.Run r = server.kiln("plan", "-f", blueprint.toString(), "--detailed-exitcode");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo("No changes. The fleet matches the blueprint.\n");
  }

  @Test
  void detailedExitcode_is1OnError() {
    server.on("POST /v1/plan", 400, "{\"error\":\"kiln.yaml:1:1: services.web: missing image\"}");

    FakeKilnServer.Run r = server.kiln("plan", "-f", blueprint.toString(), "--detailed-exitcode");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: kiln.yaml:1:1: services.web: missing image");
  }

  @Test
  void aMissingBlueprint_isReportedWithoutAskingTheServer() {
    Path missing = dir.resolve("nope.yaml");

    FakeKilnServer.Run r = server.kiln("plan", "-f", missing.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "error: "
                + missing
                + ": no such file; create it, or point to it with -f <file>"
                + System.lineSeparator());
    assertThat(server.requests()).isEmpty();
  }

  @Test
  void jsonOutput_isTheServersPlan() throws Exception {
    server.on("POST /v1/plan", Canned.PLAN_CHANGES);

    FakeKilnServer.Run r = server.kiln("plan", "-f", blueprint.toString(), "-o", "json");

    assertThat(ApiClient.JSON.readTree(r.out()))
        .isEqualTo(ApiClient.JSON.readTree(Canned.PLAN_CHANGES));
  }

  @Test
  void withoutServerText_thePlanIsRenderedFromItsChanges() throws Exception {
    JsonNode plan = ApiClient.JSON.readTree(Canned.PLAN_CHANGES);
    ((com.fasterxml.jackson.databind.node.ObjectNode) plan).put("text", "");

    assertThat(PlanRender.text(ApiClient.read(plan, dev.kiln.api.PlanView.class)))
        .isEqualTo(
            "Kiln will perform the following actions:\n\n"
                + "  ~ replace web revision 2 -> 3\n"
                + "      image: "
                + Canned.D1
                + " -> "
                + Canned.D2
                + "\n"
                + "  + create  api revision 1 (2 replicas)\n"
                + "\n"
                + "Plan: 1 to create, 1 to replace, 0 to scale, 0 to remove.\n");
  }

  @Test
  void colour_followsTerraformsSymbols() {
    String coloured =
        PlanRender.colour(
            "  + create  api\n  ~ replace web\n  ± scale   db\n  - remove  old\nPlan: 1\n");

    assertThat(coloured.lines())
        .containsExactly(
            "\u001b[32m  + create  api\u001b[0m",
            "\u001b[33m  ~ replace web\u001b[0m",
            "\u001b[36m  ± scale   db\u001b[0m",
            "\u001b[31m  - remove  old\u001b[0m",
            "Plan: 1");
  }
}
