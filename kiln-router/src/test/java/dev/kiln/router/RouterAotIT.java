package dev.kiln.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The AOT cache with real JVMs: trained once by the warm-up workload, found again (not retrained)
 * on the next start, and accepted by a router JVM that refuses to start without it ({@code
 * -XX:AOTMode=on}); a training that fails leaves nothing behind and only costs the cache.
 */
class RouterAotIT {
  @TempDir Path tmp;

  @Test
  void trainsOncePerClassPath_andTheRouterStartsFromTheCache() throws Exception {
    assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(RouterAot.AOT_CACHE_FEATURE);
    String cp = jarClassPath();
    Path dir = tmp.resolve("router");

    List<String> first =
        run(List.of("-cp", cp, RouterMain.class.getName(), "--jvm-options", dir.toString()));
    Path cache = dir.resolve("router-" + RouterAot.key(cp, Runtime.version().toString()) + ".aot");
    assertThat(first).contains("-XX:AOTCache=" + cache, "-XX:+UseParallelGC");
    assertThat(cache).isRegularFile();
    assertThat(Files.readString(dir.resolve("router-aot-training.log"))).contains("AOT training: ");
    try (Stream<Path> files = Files.list(dir)) { // no partial cache or configuration left over
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder(cache.getFileName().toString(), "router-aot-training.log");
    }
    var trained = Files.getLastModifiedTime(cache);
    Files.delete(dir.resolve("router-aot-training.log"));

    List<String> second =
        run(List.of("-cp", cp, RouterMain.class.getName(), "--jvm-options", dir.toString()));
    assertThat(second).isEqualTo(first);
    assertThat(Files.getLastModifiedTime(cache)).isEqualTo(trained);
    assertThat(dir.resolve("router-aot-training.log")).doesNotExist(); // not trained again

    // AOTMode=on: the JVM exits with an error instead of ignoring a cache it cannot use
    try (var backend = TestBackend.start("aot");
        var free = new ServerSocket(0)) {
      int port = free.getLocalPort();
      free.close();
      List<String> cmd = new ArrayList<>(first);
      cmd.addAll(
          List.of(
              "-XX:AOTMode=on",
              "-Xlog:aot=info",
              "-cp",
              cp,
              RouterMain.class.getName(),
              "--warmup",
              "0",
              "127.0.0.1:" + port,
              "*/=127.0.0.1:" + ((InetSocketAddress) backend.server.getAddress()).getPort()));
      Process router = start(cmd, tmp.resolve("router.log"));
      try {
        var response = getWhenListening(port, router);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("aot");
        assertThat(Files.readString(tmp.resolve("router.log")))
            .contains("Opened AOT cache " + cache);
      } finally {
        router.destroy();
        router.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void inTheBackground_thisStartGoesWithoutClassData_andTheNextUsesTheTrainedCache()
      throws Exception {
    assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(RouterAot.AOT_CACHE_FEATURE);
    String cp = jarClassPath();
    Path dir = tmp.resolve("router");
    Path cache = dir.resolve("router-" + RouterAot.key(cp, Runtime.version().toString()) + ".aot");

    List<String> now = RouterJvm.forClassPath(dir, RouterJvm.Training.BACKGROUND, cp);
    assertThat(now).contains("-XX:+UseParallelGC").noneMatch(o -> o.startsWith("-XX:AOTCache"));
    // a second router started meanwhile (another environment's) joins that training
    long seen = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (trainings() == 0 && !Files.exists(cache) && System.nanoTime() < seen) Thread.sleep(20);
    RouterJvm.forClassPath(dir, RouterJvm.Training.BACKGROUND, cp);
    Thread.sleep(1000); // a second training would have started its JVM by now
    assertThat(trainings()).isLessThanOrEqualTo(1);
    // niced, it may take minutes beside a build: wait while it runs, not a fixed time
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(11);
    while (!Files.exists(cache) && RouterJvm.training(cache) && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Path log = dir.resolve("router-aot-training.log");
    assertThat(cache)
        .as(
            "the trained cache; the training's log: %s",
            Files.exists(log) ? Files.readString(log) : "(none)")
        .isRegularFile();

    List<String> next = RouterJvm.forClassPath(dir, RouterJvm.Training.NONE, cp);
    assertThat(next).contains("-XX:AOTCache=" + cache);
  }

  /** The training JVMs this test's JVM runs now. */
  private static long trainings() {
    return ProcessHandle.current()
        .descendants()
        .filter(p -> p.info().commandLine().orElse("").contains("-XX:AOTCacheOutput="))
        .count();
  }

  @Test
  void aFailedTrainingLeavesNoCacheAndNothingBehind() throws Exception {
    assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(RouterAot.AOT_CACHE_FEATURE);
    Path dir = tmp.resolve("router");
    var plan = new RouterAot.TrainCache(dir.resolve("router-x.aot"));

    boolean trained =
        RouterAot.train(
            RouterJvm.thisJava(),
            List.of("-XX:+NoSuchOptionAnywhere"),
            jarClassPath(),
            plan,
            Duration.ofSeconds(60));

    assertThat(trained).isFalse();
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactly("router-aot-training.log");
    }
  }

  @Test
  void aBuildsClassDirectoryOnTheClassPath_noTrainingAndNoClassData() throws Exception {
    Path dir = tmp.resolve("router");
    // a class directory, as a build's target/classes (run from kiln-router-it, the rest are jars)
    Path classes = Files.createDirectories(tmp.resolve("classes"));
    String cp = System.getProperty("java.class.path") + java.io.File.pathSeparator + classes;

    List<String> options =
        run(List.of("-cp", cp, RouterMain.class.getName(), "--jvm-options", dir.toString()));

    assertThat(options).contains("-XX:+UseParallelGC");
    assertThat(options).noneMatch(o -> o.contains("AOTCache") || o.contains("SharedArchive"));
    assertThat(dir).doesNotExist();
  }

  /**
   * This test's class path with every directory packed into a jar: an AOT cache takes jars only.
   */
  private String jarClassPath() throws IOException {
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Path.of(e);
      if (e.contains("test-classes") || !Files.exists(p)) continue;
      if (!Files.isDirectory(p)) {
        entries.add(e);
        continue;
      }
      Path jar = tmp.resolve("classes-" + (n++) + ".jar");
      try (var out = new JarOutputStream(Files.newOutputStream(jar));
          Stream<Path> files = Files.walk(p)) {
        for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
          out.putNextEntry(new JarEntry(p.relativize(f).toString().replace('\\', '/')));
          Files.copy(f, out);
          out.closeEntry();
        }
      }
      entries.add(jar.toString());
    }
    return String.join(java.io.File.pathSeparator, entries);
  }

  /** Runs this JVM's java with ARGS, returns its output lines; fails on a non-zero exit. */
  private List<String> run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(RouterJvm.thisJava().toString()));
    cmd.addAll(args);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Process p = start(cmd, out);
    assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("%s finished", cmd).isTrue();
    String text = Files.readString(out, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text.lines().filter(l -> l.startsWith("-")).toList();
  }

  private static Process start(List<String> cmd, Path output) throws IOException {
    List<String> full = new ArrayList<>(cmd);
    if (!full.get(0).endsWith("java")) full.add(0, RouterJvm.thisJava().toString());
    return new ProcessBuilder(full)
        .redirectErrorStream(true)
        .redirectOutput(output.toFile())
        .start();
  }

  private static HttpResponse<String> getWhenListening(int port, Process router) throws Exception {
    var client = HttpClient.newHttpClient();
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    IOException last = null;
    while (System.nanoTime() < end && router.isAlive()) {
      try {
        return client.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (IOException notYet) {
        last = notYet;
        Thread.sleep(100);
      }
    }
    throw new AssertionError("the router (alive: " + router.isAlive() + ") never answered", last);
  }
}
