package dev.kiln.cli;

import dev.kiln.model.KilnException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Properties;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(
    name = "kiln",
    mixinStandardHelpOptions = true,
    versionProvider = KilnCommand.Version.class,
    description = {
      "Bake reproducible, signed OCI images from a blueprint; run immutable instances from them;",
      "replace them behind a zero-downtime router.",
      "",
      "State lives in $KILN_HOME (default ~/.kiln)."
    },
    subcommands = {
      DemoCommand.class,
      ValidateCommand.class,
      BakeCommand.class,
      ImagesCommand.class,
      InspectCommand.class,
      VerifyCommand.class,
      PushCommand.class,
      PullCommand.class,
      ScanCommand.class,
      PatchCommand.class,
      PolicyCommand.class,
      KeygenCommand.class,
      ServerCommand.class,
      UpCommand.class,
      DownCommand.class,
      PlanCommand.class,
      ApplyCommand.class,
      StatusCommand.class,
      HistoryCommand.class,
      ExportCommand.class,
      DriftCommand.class,
      ExecCommand.class,
      PromoteCommand.class,
      PauseCommand.class,
      ResumeCommand.class,
      AbortCommand.class,
      RollbackCommand.class,
      EnvCommand.class,
      JournalCommand.class,
      UiCommand.class,
      AuditCommand.class,
      SnapshotCommand.class,
      RestoreCommand.class,
      AutoComplete.GenerateCompletion.class,
      CommandLine.HelpCommand.class
    })
public final class KilnCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  public static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new KilnCommand());
    // Plans and tables use arrows and symbols; print UTF-8 whatever the locale says (POSIX would
    // turn them into '?').
    cli.setOut(new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true));
    cli.setErr(new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true));
    java.util.Objects.requireNonNull(
            cli.getSubcommands().get("generate-completion"), "picocli's AutoComplete is registered")
        .getCommandSpec()
        .usageMessage()
        .hidden(false);
    // A KilnException is an expected failure with a message written for the user: no stack trace.
    cli.setExecutionExceptionHandler(
        (ex, line, parsed) -> {
          if (ex instanceof KilnException) {
            line.getErr().println("error: " + ex.getMessage());
            return 1;
          }
          throw ex;
        });
    return cli;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      Properties p = new Properties();
      try (InputStream in = KilnCommand.class.getResourceAsStream("version.properties")) {
        if (in != null) p.load(in);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return new String[] {
        "kiln " + p.getProperty("version", "dev"),
        "java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"
      };
    }
  }
}
