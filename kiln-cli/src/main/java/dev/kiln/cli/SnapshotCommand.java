package dev.kiln.cli;

import dev.kiln.api.SnapshotRequest;
import dev.kiln.api.SnapshotResponse;
import dev.kiln.image.HostKey;
import dev.kiln.model.KilnException;
import dev.kiln.snapshot.SnapshotReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln snapshot create|verify|list}: signed archives of the journal and its images. */
@Command(
    mixinStandardHelpOptions = true,
    name = "snapshot",
    description = {
      "Disaster recovery: a signed archive of the journal, the images the fleet runs and can roll",
      "back to, the route table and the public key (never the private key or a secret's value).",
      "Restore one with `kiln restore FILE`."
    },
    subcommands = {
      SnapshotCommand.Create.class,
      SnapshotCommand.Verify.class,
      SnapshotCommand.ListSnapshots.class
    })
public final class SnapshotCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "create",
      description = {
        "Ask the server to write a snapshot while the fleet runs: the journal (a consistent online",
        "copy) and its anchor, every image the live revisions and the last N revisions of each",
        "service use (with signatures and SBOMs), the route table, the public key; signed.",
        "--volumes adds the declared volumes as they are while being read: crash-consistent per",
        "file at best — stop the writers first for a consistent copy."
      })
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = {"-o", "--output"},
        paramLabel = "FILE",
        description = "Write here (default: kiln-<journalSeq>.snapshot in --snapshot-dir).")
    Optional<Path> output = Optional.empty();

    @Option(
        names = "--snapshot-dir",
        paramLabel = "DIR",
        description = "Folder of the default file name (default: the current folder).")
    Optional<Path> dir = Optional.empty();

    @Option(
        names = "--keep-revisions",
        paramLabel = "N",
        description = "Rollback targets: the last N revisions of each service (default: 5).")
    int keepRevisions = 5; // the server's default too (Snapshots.DEFAULT_KEEP_REVISIONS)

    @Option(names = "--volumes", description = "Include the declared volumes.")
    boolean volumes;

    @Override
    public Integer call() {
      SnapshotRequest request =
          new SnapshotRequest(
              output.map(o -> o.toAbsolutePath().toString()).orElse(null),
              dir.orElse(Path.of("")).toAbsolutePath().toString(),
              keepRevisions,
              volumes);
      SnapshotResponse r =
          ApiClient.read(
              ApiClient.fromEnvironment().post("/v1/snapshots", ApiClient.tree(request)),
              SnapshotResponse.class);
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "snapshot "
              + r.file()
              + ": "
              + r.members()
              + " members, "
              + r.bytes()
              + " bytes, journal seq "
              + r.journalSeq()
              + ", signed by key "
              + r.keyId());
      out.println("sha256 " + r.sha256());
      StringBuilder revs = new StringBuilder("images of");
      r.revisions().forEach(n -> revs.append(' ').append(n));
      out.println(revs);
      out.flush();
      return 0;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "verify",
      description = {
        "Check a snapshot: every member's sha256, the signature, the journal's hash chain inside.",
        "Exits 1 naming the first bad member."
      })
  static final class Verify implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin HomeOption home;

    @Parameters(index = "0", paramLabel = "FILE", description = "The snapshot.")
    Path file;

    @Option(
        names = "--key",
        paramLabel = "FILE",
        description = "The trusted public key (PEM) (default: $KILN_HOME/keys/host.pub).")
    Optional<Path> key = Optional.empty();

    @Override
    public Integer call() {
      if (!Files.isRegularFile(file)) throw new KilnException("no snapshot at " + file);
      Path pub = key.orElse(home.keys().resolve(HostKey.PUBLIC_FILE));
      if (!Files.isRegularFile(pub)) {
        throw new KilnException(
            "no trusted key at "
                + pub
                + ": pass --key FILE (the host.pub of the host it came from)");
      }
      PublicKey trusted = HostKey.readPublicKey(pub);
      SnapshotReader.Verdict v = SnapshotReader.verify(file, Optional.of(trusted));
      PrintWriter out = spec.commandLine().getOut();
      if (!v.ok()) {
        spec.commandLine().getErr().println(file + ": BAD: " + v.problem().orElseThrow());
        spec.commandLine().getErr().flush();
        return 1;
      }
      out.println(
          file
              + ": ok: "
              + v.members().size()
              + " members, signature by key "
              + v.keyId().orElseThrow()
              + ", journal verified to seq "
              + v.journalSeq());
      out.flush();
      return 0;
    }
  }

  @Command(
      mixinStandardHelpOptions = true,
      name = "list",
      description = "List the snapshots in a folder, newest journal first.")
  static final class ListSnapshots implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
        names = "--snapshot-dir",
        paramLabel = "DIR",
        description = "Where to look (default: the current folder).")
    Optional<Path> dir = Optional.empty();

    @Override
    public Integer call() throws IOException {
      Path d = dir.orElse(Path.of("")).toAbsolutePath();
      if (!Files.isDirectory(d)) throw new KilnException("no folder " + d);
      List<Path> files;
      try (Stream<Path> s = Files.list(d)) {
        files =
            s.filter(p -> p.getFileName().toString().endsWith(".snapshot"))
                .sorted(java.util.Comparator.comparing(Path::toString).reversed())
                .toList();
      }
      PrintWriter out = spec.commandLine().getOut();
      if (files.isEmpty()) out.println("no snapshots in " + d);
      for (Path f : files) {
        out.printf(
            "%-28s %12d bytes  %s%n",
            f.getFileName(), Files.size(f), Files.getLastModifiedTime(f).toInstant());
      }
      out.flush();
      return 0;
    }
  }
}
