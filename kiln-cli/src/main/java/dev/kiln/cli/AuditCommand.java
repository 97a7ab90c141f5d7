package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.AuditVerifyResponse;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Anchoring;
import dev.kiln.journal.JournalVerifier;
import dev.kiln.journal.VerifyReport;
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
        "Checks every entry's hash and link, the chain of signed checkpoints and the anchored head",
        "(journal-head); exits 1 and names the first bad entry otherwise. With --home or --db it",
        "reads the database itself, without a server; otherwise it asks the server at KILN_API.",
        "Every verdict names the database and the key it used."
      })
  static final class Verify implements Callable<Integer> {
    @Mixin OutputFormat output;
    @Spec CommandSpec spec;

    @Option(
        names = "--home",
        paramLabel = "DIR",
        description = "Verify DIR/state.db with DIR/keys/host.pub and DIR/journal-head, offline.")
    Optional<Path> home = Optional.empty();

    @Option(
        names = "--db",
        paramLabel = "FILE",
        description =
            "Verify this state.db offline (with --key); its anchor is the journal-head beside it.")
    Optional<Path> db = Optional.empty();

    @Option(
        names = "--key",
        paramLabel = "FILE",
        description =
            "The public key (PEM) the checkpoints were signed with (default with --home: DIR/keys/host.pub).")
    Optional<Path> key = Optional.empty();

    @Option(
        names = "--witness",
        paramLabel = "DIR",
        description =
            "Also check the journal-head copy in this witness folder (default: $KILN_JOURNAL_WITNESS).")
    Optional<Path> witness = Optional.empty();

    @Override
    public Integer call() {
      JsonNode result =
          offline() ? verifyOffline() : ApiClient.fromEnvironment().get("/v1/audit/verify");
      PrintWriter out = spec.commandLine().getOut();
      AuditVerifyResponse verdict = ApiClient.read(result, AuditVerifyResponse.class);
      boolean ok = verdict.ok();
      if (output.json()) {
        out.println(ApiClient.pretty(result));
        out.flush();
        return ok ? 0 : 1;
      }
      if (!ok) throw new KilnException(JournalVerdict.failure(verdict));
      out.println(JournalVerdict.ok(verdict));
      out.flush();
      PrintWriter err = spec.commandLine().getErr();
      verdict.warnings().forEach(w -> err.println("warning: " + w));
      err.flush();
      return 0;
    }

    private boolean offline() {
      return home.isPresent() || db.isPresent() || key.isPresent() || witness.isPresent();
    }

    private JsonNode verifyOffline() {
      if (home.isPresent() && db.isPresent()) {
        throw new KilnException("give --home DIR or --db FILE, not both");
      }
      if (home.isEmpty() && db.isEmpty()) {
        throw new KilnException("--key and --witness verify offline: give --home DIR or --db FILE");
      }
      Path database = db.orElseGet(() -> home.get().resolve("state.db")).toAbsolutePath();
      Path keyFile =
          key.or(() -> home.map(h -> h.resolve("keys").resolve(HostKey.PUBLIC_FILE)))
              .orElseThrow(
                  () ->
                      new KilnException(
                          "--db needs --key FILE: the public key its checkpoints were signed with"
                              + " (HOME/keys/host.pub on the host that wrote it)"));
      if (!Files.isRegularFile(database)) {
        throw new KilnException("no journal at " + database + ": there is nothing to verify");
      }
      Anchoring anchoring =
          witness.isPresent()
              ? Anchoring.beside(database).withWitness(witness.get())
              : Anchoring.beside(database, System.getenv());
      VerifyReport report =
          JournalVerifier.verify(database, HostKey.readPublicKey(keyFile), anchoring);
      return ApiClient.tree(JournalVerdict.of(report, keyFile, anchoring));
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
      if (dir == null || !Files.isDirectory(dir))
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
