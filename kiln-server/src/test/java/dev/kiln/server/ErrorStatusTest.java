package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.controller.ControllerException;
import dev.kiln.model.Digest;
import dev.kiln.runtime.ImageRefusedException;
import org.junit.jupiter.api.Test;

/** The API's statuses follow from what happened, never from message text. */
class ErrorStatusTest {
  @Test
  void domainErrorsMapToTheirStatuses() {
    assertThat(ErrorStatus.statusOf(new ServerException.NotFound("no service named x")))
        .isEqualTo(404);
    assertThat(ErrorStatus.statusOf(new ControllerException.NoSuchRevision("anything")))
        .isEqualTo(404);
    assertThat(ErrorStatus.statusOf(new ServerException.Conflict("no rollout"))).isEqualTo(409);
    assertThat(
            ErrorStatus.statusOf(
                new ImageRefusedException(Digest.of(new byte[0]), "not signed", "re-bake it")))
        .isEqualTo(409);
    assertThat(ErrorStatus.statusOf(new ServerException.DataPlaneFailed("router"))).isEqualTo(502);
    assertThat(ErrorStatus.statusOf(new ServerException.Unavailable("interrupted"))).isEqualTo(503);
    assertThat(ErrorStatus.statusOf(new ServerException("bad request"))).isEqualTo(400);
    assertThat(ErrorStatus.statusOf(new IllegalStateException("bug"))).isEqualTo(500);
  }

  @Test
  void aControllerRefusalIsAConflict_evenIfItsMessageMentionsAMissingRevision() {
    // the old edge picked 404 when the text contained "has no revision"
    assertThat(ErrorStatus.statusOf(new ControllerException("service web has no revision 9")))
        .isEqualTo(409);
  }
}
