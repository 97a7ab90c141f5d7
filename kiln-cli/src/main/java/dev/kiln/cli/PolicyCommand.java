package dev.kiln.cli;

import dev.kiln.api.PolicyExceptionRequest;
import dev.kiln.api.PolicyExceptionResponse;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln policy}: admission exceptions, on the record. */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description = "Admission policy: exceptions to a blueprint's policy: { deny-severity }.",
    subcommands = {PolicyCommand.Allow.class})
public final class PolicyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** {@code kiln policy allow ADVISORY --until DATE --reason TEXT}. */
  @Command(
      name = "allow",
      mixinStandardHelpOptions = true,
      description = {
        "Let images carrying ADVISORY pass admission until DATE (through that day, UTC).",
        "The exception is journaled (policy-exception) with the reason and who gave it;",
        "a later one for the same advisory replaces it."
      })
  static final class Allow implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "ADVISORY", description = "An advisory id or CVE, e.g. DSA-5532-1.")
    String advisory;

    @Option(
        names = "--until",
        required = true,
        paramLabel = "DATE",
        description = "2026-12-31, or an instant 2026-12-31T12:00:00Z.")
    String until;

    @Option(
        names = "--reason",
        required = true,
        paramLabel = "TEXT",
        description = "Why the team ships anyway.")
    String reason;

    @Override
    public Integer call() {
      PolicyExceptionResponse r =
          ApiClient.read(
              ApiClient.fromEnvironment()
                  .post(
                      "/v1/policy/exceptions",
                      ApiClient.tree(new PolicyExceptionRequest(advisory, until, reason))),
              PolicyExceptionResponse.class);
      PrintWriter out = spec.commandLine().getOut();
      out.println(
          "allowed " + r.advisory() + " until " + r.until() + " (journal entry " + r.seq() + ")");
      out.flush();
      return 0;
    }
  }
}
