package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.server.ControlPlane;
import dev.kiln.server.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln ui} and {@code kiln journal --follow} against a real control plane. */
class DashboardCliIT {
  @TempDir Path tmp;
  private ControlPlane cp;

  private ControlPlane start() {
    return ControlPlane.start(
        ServerConfig.defaults(tmp.resolve("home"))
            .withApi(ServerConfig.address("127.0.0.1:0"))
            .withRouter(ServerConfig.address("127.0.0.1:0")));
  }

  @BeforeEach
  void setUp() {
    cp = start();
    System.setProperty("kiln.home", tmp.resolve("home").toString());
  }

  @AfterEach
  void tearDown() {
    System.clearProperty("kiln.home");
    if (cp != null) cp.close();
  }

  @Test
  void kilnUi_printsAOneTimeLoginUrlThatTheBrowserTradesForACookie() throws Exception {
    StringWriter out = new StringWriter();
    var cli = KilnCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute("ui", "--no-open")).isZero();
    Matcher m = Pattern.compile("(http://\\S+/ui/login\\?code=\\S+)").matcher(out.toString());
    assertThat(m.find()).as(out.toString()).isTrue();
    assertThat(m.group(1)).startsWith("http://" + cp.apiAddress() + "/ui/login?code=");
    HttpClient browser = HttpClient.newHttpClient();
    var first =
        browser.send(
            HttpRequest.newBuilder(URI.create(m.group(1))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(first.statusCode()).isEqualTo(303);
    assertThat(first.headers().firstValue("Set-Cookie"))
        .hasValueSatisfying(c -> assertThat(c).contains("HttpOnly"));
    var again =
        browser.send(
            HttpRequest.newBuilder(URI.create(m.group(1))).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(again.statusCode()).isEqualTo(403);
  }

  @Test
  void journalFollow_printsNewEntries_andResumesAfterAServerRestart() throws Exception {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = KilnCommand.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    Thread follow = new Thread(() -> cli.execute("journal", "--follow", "--since", "0"));
    follow.start();
    try {
      await(() -> seqs(out).contains(1L), out::toString);
      allow("DSA-1-1");
      await(() -> seqs(out).contains(2L), out::toString);
      cp.close(); // the stream ends with the server...
      cp = null;
      await(() -> err.toString().contains("reconnecting"), err::toString);
      cp = start(); // ...whose restart is journaled: the follower must get it
      allow("DSA-2-1");
      await(() -> seqs(out).contains(4L), out::toString);
      assertThat(seqs(out)).containsExactly(1L, 2L, 3L, 4L);
      assertThat(out.toString()).contains("server-started").contains("policy-exception");
      assertThat(err.toString()).contains("reconnected; resuming after seq 2");
    } finally {
      follow.interrupt();
      follow.join(10_000);
    }
    assertThat(follow.isAlive()).as("--follow ends when interrupted").isFalse();
  }

  private void allow(String advisory) {
    new ApiClient(ApiClient.Endpoint.resolve(System.getenv(), System.getProperties()))
        .post(
            "/v1/policy/exceptions",
            ApiClient.object()
                .put("advisory", advisory)
                .put("until", "2099-01-01")
                .put("reason", "test"));
  }

  private static List<Long> seqs(StringWriter out) {
    List<Long> seqs = new ArrayList<>();
    for (String line : out.toString().split("\n")) {
      String first = line.strip().split("\\s+")[0];
      if (first.matches("\\d+")) seqs.add(Long.parseLong(first));
    }
    return seqs;
  }

  /** Waits (bounded) for {@code done}; a stuck stream fails the test with what it printed. */
  private static void await(Supplier<Boolean> done, Supplier<String> seen) throws Exception {
    long end = System.nanoTime() + 30_000_000_000L;
    while (!done.get()) {
      if (System.nanoTime() > end) throw new AssertionError("not reached; printed:\n" + seen.get());
      Thread.sleep(50);
    }
  }
}
