package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.blueprint.BlueprintParser;
import dev.kiln.model.KilnException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * route.tls from the CLI's side: the certificate file is read next to the blueprint and sent as
 * content (the server may be elsewhere), a missing one is named where {@code cert:} is written, and
 * {@code kiln status} shows each certificate's expiry.
 */
class CertificatesCliTest {
  private static final ObjectMapper M = new ObjectMapper();

  @TempDir Path dir;

  private static final String YAML =
      """
      images:
        a: { from: scratch, entrypoint: [ /bin/true ] }
      services:
        web:
          image: a
          route: { host: app.example.org, tls: { cert: certs/app.pem, key: APP_TLS_KEY } }
      """;

  @Test
  void theCertificateIsSentAsContent_keyedAsTheBlueprintWritesIt() throws Exception {
    Path file = dir.resolve("kiln.yaml");
    Files.writeString(file, YAML);
    Files.createDirectories(dir.resolve("certs"));
    Files.writeString(dir.resolve("certs/app.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n");
    var sent = LocalBlueprint.certificates(BlueprintParser.parse(file, YAML), dir);
    assertThat(sent).containsOnlyKeys("certs/app.pem");
    assertThat(sent.get("certs/app.pem")).startsWith("-----BEGIN CERTIFICATE-----");
  }

  @Test
  void aMissingCertificateFile_isNamedAtItsCertKey() {
    Path file = dir.resolve("kiln.yaml");
    assertThatThrownBy(() -> LocalBlueprint.certificates(BlueprintParser.parse(file, YAML), dir))
        .isInstanceOf(KilnException.class)
        .hasMessageStartingWith(file + ":6:")
        .hasMessageContaining("service web: certificate " + dir.resolve("certs/app.pem"))
        .hasMessageContaining("relative to the blueprint's folder");
  }

  @Test
  void status_listsEachCertificateWithItsExpiry() throws Exception {
    var certs =
        ApiClient.read(
                M.readTree(
                    """
                    {"services":[],"certificates":[{"service":"web","host":"app.example.org",
                      "cert":"certs/app.pem","subject":"CN=app.example.org","fingerprint":"ab",
                      "notAfter":"2027-01-31T00:00:00Z","daysLeft":62,"redirect":true,"hsts":true}]}
                    """),
                dev.kiln.api.ServicesResponse.class)
            .certificates();
    assertThat(StatusCommand.certificates(certs))
        .contains("SERVICE", "EXPIRES", "app.example.org", "2027-01-31T00:00:00Z", "62d")
        .contains("redirect,hsts");
    assertThat(StatusCommand.certificates(java.util.List.of())).isEmpty();
    assertThat(StatusCommand.tls(certs.get(0)))
        .isEqualTo("certs/app.pem, expires 2027-01-31T00:00:00Z (62 days), redirect, hsts");
  }
}
