package dev.kiln.image;

import dev.kiln.model.ImageTest;
import dev.kiln.oci.Profile;
import dev.kiln.oci.Sandbox;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Runs an image's {@code test:} entries against an instance of it, before the image is tagged: on
 * the bake's build root (every layer applied, each unpacked once per bake by kiln-oci's unpacker,
 * the process driver's too), its entrypoint + cmd started in kiln-oci's sandbox in exactly the
 * profile instances run in ({@link Profile#imageTest} is {@link Profile#INSTANCE}: read-only root,
 * no capabilities, the host network, bwrap's init as pid 1), with {@code PORT} set to a free
 * loopback port. {@code http:} tests GET {@code http://127.0.0.1:PORT<path>} until the expected
 * status or a deadline; command tests run in a second sandbox over the same root. The first failure
 * throws, with what was expected, what came back, and the instance's last output lines.
 */
final class ImageTestRunner {
  static final Duration HTTP_DEADLINE = Duration.ofSeconds(15);

  private final ImageStore store;
  private final BakerListener listener;
  private final Duration httpDeadline;

  ImageTestRunner(ImageStore store, BakerListener listener, Duration httpDeadline) {
    this.store = store;
    this.listener = listener;
    this.httpDeadline = httpDeadline;
  }

  /** Runs every test; throws a {@link BakerException} at the first failure. */
  void run(String image, Descriptor manifest, List<ImageTest> tests, BakerWork work) {
    if (tests.isEmpty()) return;
    ImageManifest m = store.manifest(manifest.digest());
    ImageConfig config = store.config(m);
    Path root = work.root(store, m.layers());
    try {
      Sandbox.addMountPoints(root);
      int port = freePort();
      Map<String, String> env = new LinkedHashMap<>(Baker.envMap(config.env()));
      env.put("PORT", Integer.toString(port));
      String workdir = config.workdir().orElse("/");
      boolean needsInstance = tests.stream().anyMatch(t -> t instanceof ImageTest.Http);
      SandboxRun.Running instance = needsInstance ? start(image, root, config, env, workdir) : null;
      try {
        for (ImageTest t : tests) {
          switch (t) {
            case ImageTest.Http h ->
                http(image, h, port, Objects.requireNonNull(instance, "started for http tests"));
            case ImageTest.Command c -> command(image, c, sandbox(image, root, env, workdir));
          }
        }
      } finally {
        if (instance != null) instance.kill();
      }
    } catch (IOException e) {
      throw new ImageException("image " + image + ": cannot prepare its test root: " + e, e);
    }
  }

  private static SandboxRun sandbox(
      String image, Path root, Map<String, String> env, String workdir) {
    return SandboxRun.of(Profile.imageTest(), root, env, workdir, image);
  }

  private SandboxRun.Running start(
      String image, Path root, ImageConfig config, Map<String, String> env, String workdir) {
    List<String> argv = new ArrayList<>(config.entrypoint());
    argv.addAll(config.cmd());
    if (argv.isEmpty()) {
      throw new BakerException(
          "image "
              + image
              + ": http tests need an instance, but the image has no entrypoint or cmd");
    }
    return sandbox(image, root, env, workdir).start(argv);
  }

  private void http(String image, ImageTest.Http test, int port, SandboxRun.Running instance) {
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
      SandboxRun.Running instance,
      String what) {
    long deadline = System.nanoTime() + httpDeadline.toNanos();
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
            + httpDeadline.toSeconds()
            + " s; the image is not tagged. Instance output:\n"
            + SandboxRun.lastLines(instance.output(), RunStep.TAIL_LINES));
  }

  private void command(String image, ImageTest.Command test, SandboxRun sandbox) {
    String what = "command: " + String.join(" ", test.command());
    SandboxRun.Finished done = sandbox.run(test.command());
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
