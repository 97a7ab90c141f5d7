package dev.kiln.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Kiln's main job on the embedded defaults, for a first run on a fresh machine: make sure the host
 * tools are there, create the signing key if there is none, bake the example blueprint, show the
 * image, then run its fleet with {@code kiln up}. Composed from the other subcommands so that it
 * does exactly what a user would type.
 */
@Command(
    name = "demo",
    description = {
      "The first command to run: bake the example blueprint (examples/hello), show the image, then",
      "run its fleet behind the router (kiln up) until Ctrl-C. Installs bubblewrap, debootstrap and",
      "skopeo with apt-get if they are missing and Kiln runs as root."
    })
public final class DemoCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = {"-f", "--file"},
      paramLabel = "FILE",
      description = "The blueprint to bake (default: the example next to the kiln launcher).")
  Path file;

  @Option(names = "--no-up", description = "Stop after baking and listing the image.")
  boolean noUp;

  @Option(names = "--once", hidden = true, description = "Passed to kiln up (for tests).")
  boolean once;

  @Override
  public Integer call() {
    CommandLine root = spec.root().commandLine();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Path blueprint = file != null ? file : exampleBlueprint();
    if (!Files.isRegularFile(blueprint)) {
      err.println("error: " + blueprint + " not found; pass the blueprint with -f FILE");
      return 1;
    }
    if (!Prerequisites.ensure(Prerequisites.DEMO, out, err)) return 1;
    if (!Files.exists(KilnHome.resolve().resolve("keys"))) {
      out.println("==> kiln keygen");
      int code = root.execute("keygen");
      if (code != 0) return code;
    }
    out.println("==> kiln bake -f " + blueprint);
    out.flush();
    int code = root.execute("bake", "-f", blueprint.toString());
    if (code != 0) return code;
    out.println("==> kiln images");
    out.flush();
    code = root.execute("images");
    if (code != 0 || noUp) return code;
    out.println("==> kiln up -f " + blueprint + "   (then: curl http://127.0.0.1:8080/)");
    out.flush();
    return once
        ? root.execute("up", "-f", blueprint.toString(), "--once")
        : root.execute("up", "-f", blueprint.toString());
  }

  /** examples/hello/kiln.yaml next to the launcher (KILN_ROOT), else under the working folder. */
  private static Path exampleBlueprint() {
    String root = System.getenv("KILN_ROOT");
    Path base = root == null || root.isBlank() ? Path.of("") : Path.of(root);
    return base.resolve("examples").resolve("hello").resolve("kiln.yaml");
  }
}
