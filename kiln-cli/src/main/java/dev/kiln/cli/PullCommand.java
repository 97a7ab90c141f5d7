package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageException;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import dev.kiln.registry.Pull;
import dev.kiln.registry.RegistryRef;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln pull REGISTRY/REPO@DIGEST|:TAG}: verified, then tagged. */
@Command(
    name = "pull",
    description = {
      "Pull an image from an OCI registry into the local store. Every blob is checked against its",
      "digest and the signature against the trusted key before the image is tagged; an unsigned or",
      "foreign image is refused and nothing is tagged."
    })
public final class PullCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin OutputOption output;
  @Mixin RegistryLogin login;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "REGISTRY/REPO@DIGEST|:TAG", description = "What to pull.")
  String source;

  @Option(
      names = "--as",
      paramLabel = "NAME",
      description = "Local name (default: the repository's last part).")
  Optional<String> as = Optional.empty();

  @Option(
      names = "--key",
      paramLabel = "FILE",
      description = "The signer's public key (default: $KILN_HOME/keys/host.pub).")
  Optional<Path> key = Optional.empty();

  @Override
  public Integer call() {
    RegistryRef ref = RegistryRef.parse(source);
    PublicKey trusted =
        key.map(HostKey::readPublicKey)
            .or(() -> ImageFacts.trustedKey(home.keys()))
            .orElseThrow(
                () ->
                    new ImageException(
                        "no key to verify the pulled image with: pass --key FILE (the signer's host.pub)"));
    ImageStore store = ImageStore.open(home.images());
    Pull.Result r =
        Pull.pull(store, ref, as.orElseGet(() -> Pull.defaultName(ref)), trusted, login.options());
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ObjectNode o = Json.object();
      o.put("pulled", r.source().toString());
      o.put("name", r.name());
      o.put("digest", r.digest().toString());
      o.put("blobsFetched", r.blobsFetched());
      o.put("referrers", r.referrers());
      o.put("verified", r.verification().reason());
      out.println(Json.pretty(o));
    } else {
      out.printf(
          "pulled %s as %s%n  %d blob(s) fetched, %d referrer(s); %s%n",
          r.source(), r.name(), r.blobsFetched(), r.referrers(), r.verification().reason());
    }
    out.flush();
    return 0;
  }
}
