package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.model.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln audit verify|export}: prove the journal unaltered, or take a copy of it. */
@Command(
    mixinStandardHelpOptions = true,
    name = "audit",
    description = "Verify the journal's hash chain and signed checkpoints, or export it.",
    subcommands = {AuditCommand.Verify.class, AuditCommand.Export.class})
public final class AuditCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "verify",
      description = {
        "Prove the journal has not been altered.",
        "Checks every entry's hash and link and every signed checkpoint; exits 1 and names the first",
        "bad entry otherwise."
      })
  static final class Verify implements Callable<Integer> {
    @Mixin OutputFormat output;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      JsonNode result = ApiClient.fromEnvironment().get("/v1/audit/verify");
      PrintWriter out = spec.commandLine().getOut();
      boolean ok = result.path("ok").asBoolean(false);
      if (output.json()) {
        out.println(ApiClient.pretty(result));
        out.flush();
        return ok ? 0 : 1;
      }
      if (!ok) throw new KilnException(failure(result));
      out.println(
          "journal ok: "
              + result.path("entries").asLong()
              + " entries, "
              + result.path("checkpoints").asLong()
              + " signed checkpoints, head "
              + ApiRender.text(result, "head"));
      out.flush();
      return 0;
    }

    static String failure(JsonNode r) {
      String message = r.path("message").asText("");
      return "journal verification failed at entry "
          + ApiRender.number(r, "badSeq")
          + " ("
          + ApiRender.text(r, "reason")
          + ")"
          + (message.isBlank() ? "" : ": " + message)
          + "; entries from there on cannot be trusted — compare with an earlier `kiln audit export`";
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "export",
      description = "Write the whole journal as NDJSON (one entry per line) to stdout or a file.")
  static final class Export implements Callable<Integer> {
    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Write here (atomically) instead of stdout.")
    Optional<Path> file = Optional.empty();

    @Spec CommandSpec spec;

    @Override
    public Integer call() throws IOException {
      try (InputStream in = ApiClient.fromEnvironment().stream("/v1/audit/export")) {
        if (file.isPresent()) {
          long bytes = writeAtomically(in, file.get());
          spec.commandLine().getErr().println("wrote " + bytes + " bytes to " + file.get());
        } else {
          PrintWriter out = spec.commandLine().getOut();
          Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8);
          reader.transferTo(out);
          out.flush();
        }
      }
      return 0;
    }

    /** Temp file beside the target, then an atomic rename: a reader never sees half an export. */
    static long writeAtomically(InputStream in, Path target) throws IOException {
      Path abs = target.toAbsolutePath();
      Path dir = abs.getParent();
      if (!Files.isDirectory(dir))
        throw new KilnException(dir + ": no such folder; create it first");
      Path tmp = Files.createTempFile(dir, "." + abs.getFileName() + ".", ".tmp");
      try {
        long n;
        try (OutputStream os = Files.newOutputStream(tmp)) {
          n = in.transferTo(os);
        }
        Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        return n;
      } finally {
        Files.deleteIfExists(tmp);
      }
    }
  }
}
