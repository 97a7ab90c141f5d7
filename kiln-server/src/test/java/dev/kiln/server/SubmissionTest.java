package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** How a blueprint request is read, and how a caller's claimed name is recorded. */
class SubmissionTest {
  private static final String DIGEST = "sha256:" + "ab".repeat(32);

  @Test
  void aFileMemberIsRefused_evenBesideABlueprint() {
    assertThatThrownBy(
            () ->
                Submission.fromJson(
                    Json.parse("{\"file\":\"/etc/shadow\",\"blueprint\":\"services: {}\"}")))
        .isInstanceOf(ServerException.class)
        .hasMessageContaining("reads no file a client names");
  }

  @Test
  void theBlueprintIsRequired_asText() {
    assertThatThrownBy(() -> Submission.fromJson(Json.parse("{}")))
        .hasMessageContaining("\"blueprint\"");
    assertThatThrownBy(() -> Submission.fromJson(Json.parse("{\"blueprint\": {\"a\": 1}}")))
        .hasMessageContaining("\"blueprint\"");
  }

  @Test
  void nameAndFolderAreOnlyALabel_andMustBePlainNames() {
    Submission s =
        Submission.fromJson(
            Json.parse(
                "{\"blueprint\":\"x\",\"name\":\"prod.yaml\",\"folder\":\"shop\",\"images\":{\"web\":\""
                    + DIGEST
                    + "\"},\"commit\":\""
                    + "a".repeat(40)
                    + "\"}"));
    assertThat(s.label()).isEqualTo(Path.of("shop", "prod.yaml"));
    assertThat(s.images().get("web").toString()).isEqualTo(DIGEST);
    assertThat(s.commit()).contains("a".repeat(40));
    assertThat(Submission.fromJson(Json.parse("{\"blueprint\":\"x\"}")).label())
        .isEqualTo(Path.of("kiln.yaml"));
    for (String bad : new String[] {"../etc", "/etc", "..", "a/b", "", "a\\u0000b"}) {
      assertThatThrownBy(
              () ->
                  Submission.fromJson(
                      Json.parse("{\"blueprint\":\"x\",\"folder\":\"" + bad + "\"}")))
          .as(bad)
          .isInstanceOf(ServerException.class)
          .hasMessageContaining("plain name");
    }
  }

  @Test
  void anImageThatIsNoDigestIsNamed() {
    assertThatThrownBy(
            () ->
                Submission.fromJson(
                    Json.parse("{\"blueprint\":\"x\",\"images\":{\"web\":\"latest\"}}")))
        .hasMessageContaining("images.web: not a digest");
  }

  @Test
  void aFieldOfTheWrongShapeIsNamed_asTheTreeReaderNamedIt() {
    assertThatThrownBy(
            () -> Submission.fromJson(Json.parse("{\"blueprint\":\"x\",\"images\":[\"web\"]}")))
        .isInstanceOf(ServerException.class)
        .hasMessage("\"images\" must be an object of image name -> sha256 digest");
    assertThatThrownBy(
            () -> Submission.fromJson(Json.parse("{\"blueprint\":\"x\",\"images\":{\"web\":5}}")))
        .hasMessageContaining("images.web: not a digest");
    assertThatThrownBy(
            () ->
                Submission.fromJson(
                    Json.parse("{\"blueprint\":\"x\",\"certificates\":{\"certs/a.pem\":1}}")))
        .hasMessageContaining("certificates.certs/a.pem: must be PEM text");
    assertThatThrownBy(
            () -> Submission.fromJson(Json.parse("{\"blueprint\":\"x\",\"certificates\":\"pem\"}")))
        .hasMessageContaining("\"certificates\" must be an object");
    assertThatThrownBy(() -> Submission.fromJson(Json.parse("{\"blueprint\":\"x\",\"name\":7}")))
        .hasMessageContaining("\"name\" must be a plain name");
    // not a commit id: left out, as before
    assertThat(
            Submission.fromJson(Json.parse("{\"blueprint\":\"x\",\"commit\":\"main\"}")).commit())
        .isEmpty();
  }

  @Test
  void aClaimedActorIsALabelAfterThePrincipal_neverInItsPlace() {
    assertThat(ApiServer.actor("uid:1000(bob)", Optional.empty())).isEqualTo("uid:1000(bob)");
    assertThat(ApiServer.actor("uid:1000(bob)", Optional.of("ci-pipeline")))
        .isEqualTo("uid:1000(bob) label=ci-pipeline");
    // Pretending to be root or another principal only yields a strange label.
    assertThat(ApiServer.actor("token:0123456789ab", Optional.of("uid:0(root)")))
        .isEqualTo("token:0123456789ab label=uid:0_root_");
    assertThat(ApiServer.actor("uid:1000(bob)", Optional.of("x label=y\nz")))
        .isEqualTo("uid:1000(bob) label=x_label_y_z");
    assertThat(ApiServer.actor("uid:1000(bob)", Optional.of("a".repeat(500))))
        .hasSize("uid:1000(bob) label=".length() + 64);
  }
}
