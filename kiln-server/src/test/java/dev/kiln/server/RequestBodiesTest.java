package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.api.ExecRequest;
import dev.kiln.api.PromoteRequest;
import dev.kiln.api.RollbackRequest;
import dev.kiln.api.SnapshotRequest;
import org.junit.jupiter.api.Test;

/** Request bodies read as their kiln-api records: a wrong shape is a 400 naming the field. */
class RequestBodiesTest {
  @Test
  void aBodyReadsAsItsRecord_ignoringFieldsItDoesNotHave() {
    ExecRequest e =
        RequestBodies.read(
            Json.parse("{\"command\": [\"ls\", \"-l\"], \"tty\": true}"),
            ExecRequest.class,
            f -> f);
    assertThat(e.command()).containsExactly("ls", "-l");
    // left out: empty, so the server answers "kiln exec needs a command" as before
    assertThat(RequestBodies.read(Json.parse("{}"), ExecRequest.class, f -> f).command()).isEmpty();
    SnapshotRequest s =
        RequestBodies.read(Json.parse("{\"keepRevisions\": 3}"), SnapshotRequest.class, f -> f);
    assertThat(s).isEqualTo(new SnapshotRequest(null, null, 3, null));
  }

  @Test
  void aCountInTheQuery_isAWholeNumberFromZeroUp_orA400NamingIt() {
    var q = java.util.Map.of("since", "12", "limit", "-1", "kind", "x", "at", "1e3");

    assertThat(RequestBodies.count(q, "since", "a seq")).contains(12L);
    assertThat(RequestBodies.count(q, "absent", "a seq")).isEmpty();
    for (String name : new String[] {"limit", "kind", "at"})
      assertThatThrownBy(() -> RequestBodies.count(q, name, "the most entries"))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage(
              name + "=" + q.get(name) + ": must be a whole number from 0 up (the most entries)");
  }

  @Test
  void aFieldOfTheWrongShapeIsNamed() {
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse("{\"command\": \"ls -l\"}"), ExecRequest.class, f -> "bad " + f))
        .isInstanceOf(ServerException.class)
        .hasMessage("bad command");
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse("{\"command\": [\"ls\", 5]}"), ExecRequest.class, f -> "bad " + f))
        .hasMessage("bad command[1]");
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse("{\"service\": [\"web\"], \"from\": \"a\", \"to\": \"b\"}"),
                    PromoteRequest.class,
                    f -> "bad " + f))
        .hasMessage("bad service");
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse("{\"keepRevisions\": \"many\"}"),
                    SnapshotRequest.class,
                    f -> "bad " + f))
        .hasMessage("bad keepRevisions");
  }

  @Test
  void noSilentCoercion_aWholeNumberOrABooleanMustBeOne() {
    assertThat(RequestBodies.read(Json.parse("{\"to\": 3}"), RollbackRequest.class, f -> f))
        .isEqualTo(new RollbackRequest(3));
    assertThat(RequestBodies.read(Json.parse("{}"), RollbackRequest.class, f -> f))
        .isEqualTo(RollbackRequest.previous());
    // read by asInt() once: "3" was 3, "three" and true were 0, 2.5 was 2
    for (String to : new String[] {"\"3\"", "\"three\"", "2.5", "true", "[3]", "{}"}) {
      assertThatThrownBy(
              () ->
                  RequestBodies.read(
                      Json.parse("{\"to\": " + to + "}"), RollbackRequest.class, f -> "bad " + f))
          .as("to: %s", to)
          .isInstanceOf(ServerException.class)
          .hasMessage("bad to");
    }
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse("{\"keepRevisions\": \"3\"}"),
                    SnapshotRequest.class,
                    f -> "bad " + f))
        .hasMessage("bad keepRevisions");
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse("{\"volumes\": \"true\"}"), SnapshotRequest.class, f -> "bad " + f))
        .hasMessage("bad volumes");
    assertThatThrownBy(
            () ->
                RequestBodies.read(
                    Json.parse(
                        "{\"service\": \"web\", \"from\": \"a\", \"to\": \"b\", \"dryRun\": 1}"),
                    PromoteRequest.class,
                    f -> "bad " + f))
        .hasMessage("bad dryRun");
  }

  @Test
  void aBodyThatIsNotAnObjectIsRefused() {
    assertThatThrownBy(() -> RequestBodies.read(Json.parse("[1]"), ExecRequest.class, f -> f))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("must be a JSON object");
  }
}
