package dev.kiln.cli;

import dev.kiln.image.HostKey;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln keygen}: create the host's Ed25519 signing key. */
@Command(
    name = "keygen",
    description = {
      "Create this host's Ed25519 key in $KILN_HOME/keys (private key mode 0600). Every image baked",
      "afterwards is signed with it, and `kiln verify` checks images against it."
    })
public final class KeygenCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Spec CommandSpec spec;

  @Option(
      names = "--force",
      description = "Replace an existing key (images signed with the old one stop verifying).")
  boolean force;

  @Override
  public Integer call() {
    HostKey key = HostKey.generate(home.keys(), force);
    PrintWriter out = spec.commandLine().getOut();
    out.println("key id:      " + key.keyId());
    out.println("private key: " + key.privateKeyFile() + " (mode 0600; keep it on this host)");
    out.println(
        "public key:  " + key.publicKeyFile() + " (give it to hosts that verify these images)");
    out.flush();
    return 0;
  }
}
