package dev.kiln.cli;

import dev.kiln.api.UiCode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kiln ui}: asks the server (over the authenticated API) for a one-time login code and
 * prints the dashboard's login URL, opening it with {@code xdg-open} where a desktop is at hand.
 */
@Command(
    mixinStandardHelpOptions = true,
    name = "ui",
    description = {
      "Open the dashboard: print a one-time login link (valid for 60 s, it works once) and open it",
      "in a browser where one is at hand.",
      "The page logs in with a session cookie; its actions are journaled as you."
    })
public final class UiCommand implements Callable<Integer> {
  @Option(names = "--no-open", description = "Only print the link; do not start a browser.")
  boolean noOpen;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ApiClient client = ApiClient.fromEnvironment();
    UiCode code = ApiClient.read(client.post("/v1/ui/codes"), UiCode.class);
    String url = url(client.endpoint(), code.url(), code.path());
    PrintWriter out = spec.commandLine().getOut();
    out.println("Open the dashboard within 60 s (the link works once):");
    out.println("  " + url);
    if (!noOpen && open(url, System.getenv())) out.println("(opened in your browser)");
    out.flush();
    return 0;
  }

  /**
   * Where the browser should go: over TCP, the address the CLI itself reached (the server may
   * listen on 0.0.0.0, or sit behind a prefix); over the socket, the server's own TCP address.
   */
  static String url(ApiClient.Endpoint endpoint, String serverUrl, String path) {
    if (endpoint.socket().isEmpty()) return endpoint.base().resolve(path.substring(1)).toString();
    URI u = URI.create(serverUrl);
    String host = u.getHost();
    if (host == null || host.equals("0.0.0.0") || host.equals("[::]") || host.equals("::"))
      return "http://127.0.0.1:" + u.getPort() + path;
    return serverUrl;
  }

  /** Starts xdg-open when a desktop session is there; false when it is not (or fails). */
  private static boolean open(String url, Map<String, String> env) {
    if (env.getOrDefault("DISPLAY", "").isEmpty()
        && env.getOrDefault("WAYLAND_DISPLAY", "").isEmpty()) return false;
    for (String dir : env.getOrDefault("PATH", "").split(":")) {
      Path xdg = Path.of(dir.isEmpty() ? "." : dir, "xdg-open");
      if (!Files.isExecutable(xdg)) continue;
      try {
        new ProcessBuilder(xdg.toString(), url)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
        return true;
      } catch (IOException e) {
        return false;
      }
    }
    return false;
  }
}
