package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditCommandTest {
  @TempDir Path dir;
  private FakeKilnServer server;

  private static final String OK =
      "{\"ok\":true,\"database\":\"/srv/kiln/state.db\",\"key\":\"/srv/kiln/keys/host.pub\","
          + "\"keyId\":\"0123456789abcdef\",\"entries\":120,\"checkpoints\":3,\"anchoredSeq\":100,"
          + "\"warnings\":[\"entries 101..120 (20) come after the last signed checkpoint\"],"
          + "\"head\":\""
          + Canned.D1
          + "\"}";
  private static final String BAD =
      "{\"ok\":false,\"badSeq\":17,\"reason\":\"changed\",\"message\":\"entry 17's hash does not match its content\"}";
  private static final String NDJSON =
      Canned.entry(1, "apply", "web", "a").strip().replace("\n", "")
          + "\n"
          + Canned.entry(2, "rollout-step", "web", "b").strip().replace("\n", "")
          + "\n";

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void verify_ok_exits0AndSummarises() {
    server.on("GET /v1/audit/verify", OK);

    FakeKilnServer.Run r = server.kiln("audit", "verify");

    assertThat(r.exit()).isZero();
    assertThat(r.out())
        .isEqualTo(
            "journal ok: 120 entries, 3 signed checkpoints, anchored at seq 100, head "
                + Canned.D1
                + "\n  database /srv/kiln/state.db, key /srv/kiln/keys/host.pub (key id"
                + " 0123456789abcdef)\n");
    assertThat(r.err())
        .isEqualTo("warning: entries 101..120 (20) come after the last signed checkpoint\n");
  }

  @Test
  void verify_notOk_exits1NamingTheFirstBadEntry() {
    server.on("GET /v1/audit/verify", BAD);

    FakeKilnServer.Run r = server.kiln("audit", "verify");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "error: journal verification failed at entry 17 (changed): entry 17's hash does not match"
                + " its content; database and key not named by the server");
  }

  @Test
  void verify_json_printsTheResultAndStillExits1WhenNotOk() throws Exception {
    server.on("GET /v1/audit/verify", BAD);

    FakeKilnServer.Run r = server.kiln("audit", "verify", "-o", "json");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(ApiClient.JSON.readTree(r.out())).isEqualTo(ApiClient.JSON.readTree(BAD));
  }

  @Test
  void export_toStdout_isTheServersNdjson() {
    server.answer(
        "GET /v1/audit/export", new FakeKilnServer.Answer(200, "application/x-ndjson", NDJSON));

    FakeKilnServer.Run r = server.kiln("audit", "export");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).isEqualTo(NDJSON);
  }

  @Test
  void export_toAFile_replacesItWholeAndLeavesNoTempFile() throws Exception {
    server.answer(
        "GET /v1/audit/export", new FakeKilnServer.Answer(200, "application/x-ndjson", NDJSON));
    Path file = Files.writeString(dir.resolve("journal.ndjson"), "old content");

    FakeKilnServer.Run r = server.kiln("audit", "export", "-o", file.toString());

    assertThat(r.exit()).isZero();
    assertThat(Files.readString(file)).isEqualTo(NDJSON);
    assertThat(r.out()).isEmpty();
    try (var files = Files.list(dir)) {
      assertThat(files).containsExactly(file);
    }
  }

  @Test
  void export_thatTheServerRefuses_leavesTheOldFileAlone() throws Exception {
    server.on("GET /v1/audit/export", 401, "{\"error\":\"missing or bad token\"}");
    Path file = Files.writeString(dir.resolve("journal.ndjson"), "old content");

    FakeKilnServer.Run r = server.kiln("audit", "export", "-o", file.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: missing or bad token");
    assertThat(Files.readString(file)).isEqualTo("old content");
  }
}
