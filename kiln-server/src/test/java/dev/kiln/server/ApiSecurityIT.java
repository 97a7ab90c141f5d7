package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control plane is reachable only by those meant to reach it: the unix socket is the owner's
 * and names the caller by uid, TCP wants the token (loopback too), a claimed actor is only a label,
 * no path a client names is opened, and bodies are bounded.
 */
class ApiSecurityIT {
  @TempDir Path tmp;

  @Test
  void theSocketIsTheOwnersOnly_andAClaimedActorIsALabelUnderTheUid() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path socket = k.home.resolve("api.sock");
      assertThat(k.cp.apiSocket()).isEqualTo(socket);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)))
          .isEqualTo("rw-------");
      assertThat(unix(socket, get("/v1/health"))).startsWith("HTTP/1.1 200");

      String body = k.submission(k.blueprint("a", "rolling: { max-surge: 1, max-unavailable: 0 }"));
      String answer = unix(socket, post("/v1/apply", body, "X-Kiln-Actor: ci-pipeline\r\n"));
      assertThat(answer).startsWith("HTTP/1.1 200");

      JsonNode entry = k.json(k.get("/v1/journal?kind=blueprint-applied")).get("entries").get(0);
      String uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid").toString();
      assertThat(entry.get("actor").asText())
          .startsWith("uid:" + uid + "(")
          .endsWith(") label=ci-pipeline");
      assertThat(entry.get("body").get("file").asText()).isEqualTo("project/kiln-a.yaml");
    }
  }

  @Test
  void aClientNamedFileIsRefusedWithoutBeingRead() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      Path socket = k.home.resolve("api.sock");
      for (String file : new String[] {"/etc/shadow", "/dev/zero", "/etc/passwd"}) {
        String answer = unix(socket, post("/v1/plan", "{\"file\":\"" + file + "\"}", ""));
        assertThat(answer).startsWith("HTTP/1.1 400").contains("reads no file a client names");
        assertThat(answer).doesNotContain("root:");
        var tcp = k.post("/v1/apply", "{\"file\":\"" + file + "\"}");
        assertThat(tcp.statusCode()).isEqualTo(400);
      }
      // A folder name that is a path is refused too; it would only ever be a label.
      String sneaky = "{\"blueprint\":\"services: {}\",\"folder\":\"../../etc\"}";
      assertThat(unix(socket, post("/v1/plan", sneaky, ""))).startsWith("HTTP/1.1 400");
    }
  }

  @Test
  void blueprintErrorsNameTheClientsLabel_andEchoOnlyTheBlueprint() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      String body =
          "{\"blueprint\":\"services:\\n  web: { image: nope, replicas: x }\\n\","
              + "\"name\":\"kiln.yaml\",\"folder\":\"shop\"}";
      var r = k.post("/v1/plan", body);
      assertThat(r.statusCode()).isEqualTo(400);
      JsonNode problems = Json.parse(r.body()).get("problems");
      assertThat(problems).isNotEmpty();
      problems.forEach(p -> assertThat(p.asText()).startsWith("shop/kiln.yaml:"));
    }
  }

  @Test
  void aBodyOverTheLimitIs413_beforeItIsRead() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      String port = k.cp.apiAddress().substring(k.cp.apiAddress().lastIndexOf(':') + 1);
      try (Socket s = new Socket("127.0.0.1", Integer.parseInt(port))) {
        OutputStream out = s.getOutputStream();
        out.write(
            ("POST /v1/plan HTTP/1.1\r\nHost: x\r\nAuthorization: "
                    + k.authorization()
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + (ApiListeners.MAX_BODY + 1)
                    + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertThat(readAll(s.getInputStream())).startsWith("HTTP/1.1 413");
      }
      // And over the socket, with a body that really is too large.
      byte[] big = new byte[ApiListeners.MAX_BODY + 1024];
      java.util.Arrays.fill(big, (byte) ' ');
      String head =
          "POST /v1/plan HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length + "\r\n\r\n";
      try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(k.cp.apiSocket()))) {
        c.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
        try {
          c.write(ByteBuffer.wrap(big));
        } catch (IOException closedEarly) {
          // the server may close before it has all of it: that is the point
        }
        assertThat(readAll(Channels.newInputStream(c))).startsWith("HTTP/1.1 413");
      }
    }
  }

  @Test
  void tcpWantsTheToken_evenOnLoopback_andAWrongOneIsRefused() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      var uri = java.net.URI.create(k.api() + "/v1/services");
      var none =
          k.http.send(
              java.net.http.HttpRequest.newBuilder(uri).build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(none.statusCode()).isEqualTo(401);
      assertThat(none.body()).contains("api-token");
      var wrong =
          k.http.send(
              java.net.http.HttpRequest.newBuilder(uri)
                  .header("Authorization", "Bearer " + "0".repeat(64))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertThat(wrong.statusCode()).isEqualTo(401);
      assertThat(k.get("/v1/services").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aLiveSocketIsNeverTakenOver_aStaleOneIsReplaced() throws Exception {
    try (KilnFixture k = new KilnFixture(tmp).start()) {
      assertThatThrownBy(
              () ->
                  ApiListeners.start(
                      ServerConfig.address("127.0.0.1:0"),
                      k.home,
                      ApiToken.load(k.home.resolve("api-token")),
                      r -> ApiResponse.error(500, "not this one")))
          .isInstanceOf(ServerException.class)
          .hasMessageContaining("another kiln server answers on " + k.home.resolve("api.sock"));
      assertThat(unix(k.cp.apiSocket(), get("/v1/health"))).startsWith("HTTP/1.1 200");
    }
    Path home = Files.createDirectories(tmp.resolve("other"));
    Path stale = home.resolve("api.sock");
    try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      dead.bind(UnixDomainSocketAddress.of(stale)); // closed without unlinking: a killed server's
    }
    assertThat(stale).exists();
    try (ApiListeners l =
        ApiListeners.start(
            ServerConfig.address("127.0.0.1:0"),
            home,
            ApiToken.load(home.resolve("api-token")),
            r -> ApiResponse.error(418, "who: " + r.principal()))) {
      assertThat(unix(stale, get("/x"))).startsWith("HTTP/1.1 418").contains("who: uid:");
    }
    assertThat(stale).doesNotExist();
  }

  private static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  }

  private static String post(String path, String body, String extraHeaders) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n"
        + extraHeaders
        + "Content-Length: "
        + b.length
        + "\r\n\r\n"
        + body;
  }

  static String unix(Path socket, String request) throws IOException {
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      return readAll(Channels.newInputStream(c));
    }
  }

  /** Reads from the socket until {@code marker} has arrived (for streams that do not end). */
  static String unixUntil(Path socket, String request, String marker) throws IOException {
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      c.write(ByteBuffer.wrap(request.getBytes(StandardCharsets.UTF_8)));
      InputStream in = Channels.newInputStream(c);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buf = new byte[4096];
      for (int n;
          !out.toString(StandardCharsets.UTF_8).contains(marker) && (n = in.read(buf)) > 0; )
        out.write(buf, 0, n);
      return out.toString(StandardCharsets.UTF_8);
    }
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.UTF_8);
  }
}
