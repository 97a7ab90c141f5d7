package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.KilnException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiClientTest {
  @TempDir Path home;
  private final FakeKilnServer server = newServer();

  private static FakeKilnServer newServer() {
    try {
      return new FakeKilnServer();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void everyRequestCarriesTheTokenTheActorAndAsksForJson() {
    server.on("GET /v1/services", Canned.services());

    server.kilnWithToken("s3cret", "status");

    FakeKilnServer.Request r = server.requests().getFirst();
    assertThat(r.headers())
        .containsEntry("authorization", "Bearer s3cret")
        .containsEntry("accept", "application/json");
    assertThat(r.headers().get("x-kiln-actor")).matches("[^@]+@.+");
  }

  @Test
  void endpoint_defaultsToTheSocketInKilnHome_withoutAToken() throws Exception {
    Files.writeString(home.resolve("api-token"), "tok-from-file\n");

    ApiClient.Endpoint e =
        ApiClient.Endpoint.resolve(
            Map.of("KILN_HOME", home.toString(), "USER", "alice", "HOSTNAME", "laptop"),
            new Properties());

    assertThat(e.socket()).contains(home.resolve("api.sock"));
    assertThat(e.display()).isEqualTo("unix:" + home.resolve("api.sock"));
    assertThat(e.token()).isEmpty();
    assertThat(e.actor()).isEqualTo("alice@laptop");
  }

  @Test
  void endpoint_aTcpAddressReadsTheTokenFileInKilnHome() throws Exception {
    Files.writeString(home.resolve("api-token"), "tok-from-file\n");

    ApiClient.Endpoint e =
        ApiClient.Endpoint.resolve(
            Map.of("KILN_HOME", home.toString(), "KILN_API", "http://127.0.0.1:7878"),
            new Properties());

    assertThat(e.socket()).isEmpty();
    assertThat(e.base()).isEqualTo(URI.create("http://127.0.0.1:7878/"));
    assertThat(e.token()).contains("tok-from-file");
  }

  @Test
  void aMissingSocket_saysHowToStartTheServer() {
    ApiClient client =
        new ApiClient(
            ApiClient.Endpoint.resolve(Map.of("KILN_HOME", home.toString()), new Properties()));
    assertThatThrownBy(() -> client.get("/v1/services"))
        .isInstanceOf(ApiClient.ApiException.class)
        .hasMessageContaining("unix:" + home.resolve("api.sock"))
        .hasMessageContaining("kiln server");
  }

  @Test
  void endpoint_environmentWinsOverTheTokenFile_andThePropertyOverTheEnvironment()
      throws Exception {
    Files.writeString(home.resolve("api-token"), "tok-from-file");
    Properties sys = new Properties();
    sys.setProperty("kiln.api", "http://10.0.0.5:9000");

    ApiClient.Endpoint e =
        ApiClient.Endpoint.resolve(
            Map.of(
                "KILN_HOME",
                home.toString(),
                "KILN_TOKEN",
                "tok-env",
                "KILN_API",
                "http://elsewhere:1"),
            sys);

    assertThat(e.base()).isEqualTo(URI.create("http://10.0.0.5:9000/"));
    assertThat(e.token()).contains("tok-env");
  }

  @Test
  void endpoint_withoutTokenAnywhere_sendsNone() {
    ApiClient.Endpoint e =
        ApiClient.Endpoint.resolve(Map.of("KILN_HOME", home.toString()), new Properties());
    assertThat(e.token()).isEmpty();
  }

  @Test
  void endpoint_rejectsAKilnApiThatIsNotAUrl() {
    assertThatThrownBy(
            () ->
                ApiClient.Endpoint.resolve(Map.of("KILN_API", "localhost 7878"), new Properties()))
        .isInstanceOf(KilnException.class)
        .hasMessageContaining("KILN_API=localhost 7878 is not a URL");
  }

  @Test
  void noTokenHeader_whenTheEndpointHasNoToken() {
    server.on("GET /v1/services", Canned.services());
    ApiClient api =
        new ApiClient(
            new ApiClient.Endpoint(URI.create(server.url() + "/"), Optional.empty(), "bob@box"));

    api.get("/v1/services");

    assertThat(server.requests().getFirst().headers())
        .doesNotContainKey("authorization")
        .containsEntry("x-kiln-actor", "bob@box");
  }

  @Test
  void aKilnApiWithAPathPrefix_keepsThePrefix() {
    server.on("GET /kiln/v1/services", Canned.services());
    ApiClient api =
        new ApiClient(
            new ApiClient.Endpoint(
                URI.create(server.url() + "/kiln/"), Optional.empty(), "bob@box"));

    api.get("/v1/services");

    assertThat(server.routes()).containsExactly("GET /kiln/v1/services");
  }

  @Test
  void connectionRefused_saysHowToStartTheServer() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    System.setProperty("kiln.api", "http://127.0.0.1:" + port);
    FakeKilnServer.Run r;
    try {
      r = FakeKilnServer.run("status");
    } finally {
      System.clearProperty("kiln.api");
    }

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .startsWith(
            "error: cannot reach the Kiln server at http://127.0.0.1:"
                + port
                + "; start it with `kiln server` or `kiln up`");
  }

  @Test
  void unauthorized_saysToSetKilnToken() {
    server.on("GET /v1/services", 401, "{\"error\":\"missing or bad token\"}");

    FakeKilnServer.Run r = server.kilnWithToken("wrong", "status");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err()).startsWith("error: missing or bad token").contains("set KILN_TOKEN");
  }

  @Test
  void badRequest_printsTheErrorAndEveryProblemLine() throws Exception {
    Path file = Files.writeString(home.resolve("kiln.yaml"), "services: {}\n");
    server.on(
        "POST /v1/plan",
        400,
        "{\"error\":\"the blueprint has 2 problems\",\"problems\":[\"kiln.yaml:2:3: images.hello: missing required key 'from'\","
            + "\"kiln.yaml:4:34: services.web.replicas: expected a whole number\"]}");

    FakeKilnServer.Run r = server.kiln("plan", "-f", file.toString());

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err().lines())
        .containsExactly(
            "error: the blueprint has 2 problems",
            "  kiln.yaml:2:3: images.hello: missing required key 'from'",
            "  kiln.yaml:4:34: services.web.replicas: expected a whole number");
  }

  @Test
  void anErrorWithoutJson_namesTheStatusAndShowsTheBody() {
    server.answer("GET /v1/services", new FakeKilnServer.Answer(502, "text/plain", "Bad Gateway"));

    FakeKilnServer.Run r = server.kiln("status");

    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo("error: HTTP 502 from /v1/services: Bad Gateway" + System.lineSeparator());
  }

  @Test
  void pathsEscapeServiceNames() {
    assertThat(ApiClient.path("/v1/services", "we b/x", "promote"))
        .isEqualTo("/v1/services/we%20b%2Fx/promote");
  }
}
