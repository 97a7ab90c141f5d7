package dev.kiln.image;

import dev.kiln.model.ImageTest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs an image's {@code test:} entries against an instance of it, before the image is tagged: the
 * image is unpacked to a temp root, its entrypoint + cmd started in a sandbox with a read-only
 * root, the host network and {@code PORT} set to a free loopback port, as the process runtime will
 * run it. {@code http:} tests GET {@code http://127.0.0.1:PORT<path>} until the expected status or
 * a deadline; command tests run in a second sandbox over the same root. The first failure throws,
 * with what was expected, what came back, and the instance's last output lines.
 */
final class ImageTestRunner {
  static final Duration HTTP_DEADLINE = Duration.ofSeconds(15);

  private final ImageStore store;
  private final Path workDir;
  private final BakerListener listener;

  ImageTestRunner(ImageStore store, Path workDir, BakerListener listener) {
    this.store = store;
    this.workDir = workDir;
    this.listener = listener;
  }

  /** Runs every test; throws a {@link BakerException} at the first failure. */
  void run(String image, Descriptor manifest, List<ImageTest> tests) {
    if (tests.isEmpty()) return;
    ImageManifest m = store.manifest(manifest.digest());
    ImageConfig config = store.config(m);
    Path root = workDir.resolve("test-root");
    try {
      Files.createDirectories(root);
      new LayerUnpacker(Baker.MAX_IMAGE_BYTES).unpack(store, m.layers(), root);
      for (String mount : List.of("proc", "dev", "tmp")) {
        if (!Files.exists(root.resolve(mount), LinkOption.NOFOLLOW_LINKS)) {
          Files.createDirectories(root.resolve(mount));
        }
      }
      int port = freePort();
      Map<String, String> env = new LinkedHashMap<>(Baker.envMap(config.env()));
      env.put("PORT", Integer.toString(port));
      String workdir = config.workdir().orElse("/");
      boolean needsInstance = tests.stream().anyMatch(t -> t instanceof ImageTest.Http);
      Sandbox.Running instance = needsInstance ? start(image, root, config, env, workdir) : null;
      try {
        for (ImageTest t : tests) {
          switch (t) {
            case ImageTest.Http h -> http(image, h, port, instance);
            case ImageTest.Command c ->
                command(image, c, new Sandbox(root, false, true, env, workdir));
          }
        }
      } finally {
        if (instance != null) instance.kill();
      }
    } catch (IOException e) {
      throw new ImageException("image " + image + ": cannot prepare its test root: " + e, e);
    } finally {
      DebianBase.deleteTree(root);
    }
  }

  private Sandbox.Running start(
      String image, Path root, ImageConfig config, Map<String, String> env, String workdir) {
    List<String> argv = new ArrayList<>(config.entrypoint());
    argv.addAll(config.cmd());
    if (argv.isEmpty()) {
      throw new BakerException(
          "image "
              + image
              + ": http tests need an instance, but the image has no entrypoint or cmd");
    }
    return new Sandbox(root, false, true, env, workdir).start(argv);
  }

  private void http(String image, ImageTest.Http test, int port, Sandbox.Running instance) {
    String what = "http: " + test.path() + " (expect " + test.expect() + ")";
    URI uri = URI.create("http://127.0.0.1:" + port + test.path());
    try (HttpClient client =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build()) {
      poll(image, test, uri, client, instance, what);
    }
  }

  private void poll(
      String image,
      ImageTest.Http test,
      URI uri,
      HttpClient client,
      Sandbox.Running instance,
      String what) {
    long deadline = System.nanoTime() + HTTP_DEADLINE.toNanos();
    String got = "no answer";
    while (true) {
      try {
        HttpResponse<Void> r =
            client.send(
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).GET().build(),
                HttpResponse.BodyHandlers.discarding());
        got = "status " + r.statusCode();
        if (r.statusCode() == test.expect()) {
          listener.on(new BakerEvent.TestDone(image, what, true));
          return;
        }
      } catch (IOException e) {
        got =
            "no answer ("
                + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage())
                + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ImageException("interrupted while testing image " + image);
      }
      if (!instance.alive() || System.nanoTime() > deadline) break;
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ImageException("interrupted while testing image " + image);
      }
    }
    listener.on(new BakerEvent.TestDone(image, what, false));
    String state = instance.alive() ? "" : " (the instance exited)";
    throw new BakerException(
        test.at()
            + ": image "
            + image
            + ": test "
            + what
            + " failed: got "
            + got
            + state
            + " within "
            + HTTP_DEADLINE.toSeconds()
            + " s; the image is not tagged. Instance output:\n"
            + Sandbox.lastLines(instance.output(), RunStep.TAIL_LINES));
  }

  private void command(String image, ImageTest.Command test, Sandbox sandbox) {
    String what = "command: " + String.join(" ", test.command());
    Sandbox.Finished done = sandbox.run(test.command());
    boolean ok = done.exitCode() == test.expectExit();
    listener.on(new BakerEvent.TestDone(image, what, ok));
    if (!ok) {
      throw new BakerException(
          test.at()
              + ": image "
              + image
              + ": test "
              + what
              + " exited "
              + done.exitCode()
              + ", expected "
              + test.expectExit()
              + "; the image is not tagged. Output:\n"
              + done.tail(RunStep.TAIL_LINES),
          done.exitCode());
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
