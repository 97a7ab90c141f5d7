package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kiln up --detach}: the fleet runs in a background kiln up (a real second JVM, in a session
 * of its own) that outlives the command; {@code kiln down} drains and stops it.
 */
class UpDetachIT {
  @TempDir Path tmp;
  private Path home;

  @AfterEach
  void noBackgroundKilnUpLeft() {
    if (home != null) UpDetached.running(home).ifPresent(ProcessHandle::destroyForcibly);
  }

  @Test
  void detach_returnsWithTheFleetHealthyInTheBackground_andDownStopsIt() throws Exception {
    Path file = project();
    home = tmp.resolve("home");

    Run up =
        run(
            "up",
            "--detach",
            "--home",
            home.toString(),
            "-f",
            file.toString(),
            "--api",
            "127.0.0.1:0",
            "--router",
            "127.0.0.1:0");

    assertThat(up.code).as(up.out).isZero();
    assertThat(up.out).contains("runs in the background").contains("kiln down");
    // the command returned; the fleet did not stop with it
    ProcessHandle background = UpDetached.running(home).orElseThrow();
    assertThat(background.pid()).isNotEqualTo(ProcessHandle.current().pid());
    Matcher router = Pattern.compile("router (http://\\S+)").matcher(up.out);
    assertThat(router.find()).as(up.out).isTrue();
    HttpResponse<String> page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(router.group(1) + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body()).isEqualTo("hello detached\n");

    // a second detach for the same home is refused, naming the one that runs
    Run again = run("up", "--detach", "--home", home.toString(), "-f", file.toString());
    assertThat(again.code).isNotZero();
    assertThat(again.err).contains("already runs").contains("pid " + background.pid());

    Run down = run("down", "--home", home.toString());

    assertThat(down.code).as(down.out + down.err).isZero();
    assertThat(down.out).contains("kiln down: stopped.");
    assertThat(background.isAlive()).isFalse();
    assertThat(UpDetached.pidFile(home)).doesNotExist();
    assertThat(Files.readString(UpDetached.logFile(home))).contains("kiln up: stopped.");
    Path instances = home.resolve("instances");
    if (Files.isDirectory(instances)) {
      try (Stream<Path> s = Files.list(instances)) {
        assertThat(s.filter(p -> Files.exists(p.resolve("instance.json"))).toList()).isEmpty();
      }
    }
    // nothing runs any more: down says so instead of pretending
    Run none = run("down", "--home", home.toString());
    assertThat(none.code).isNotZero();
    assertThat(none.err).contains("no detached kiln up runs for " + home);
  }

  private Path project() throws Exception {
    return BusyboxProject.hello(tmp.resolve("project"), "hello detached\n", 2);
  }

  private record Run(int code, String out, String err) {}

  private static Run run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(o, true));
      System.setErr(new PrintStream(e, true));
      int code = Main.run(args);
      return new Run(code, o.toString(), e.toString());
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }
}
