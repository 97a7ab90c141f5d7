package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.Descriptor;
import dev.kiln.image.HostKey;
import dev.kiln.image.ImageException;
import dev.kiln.image.ImageSigner;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import dev.kiln.image.Verification;
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

/** {@code kiln verify IMAGE}: is it signed by a trusted key, and are its blobs intact? */
@Command(
    name = "verify",
    description = {
      "Check that IMAGE (a name, sha256:digest or a digest prefix) is signed by this host's key (or",
      "--key) and that its manifest, config and layers still hash to their digests. Exit 0 if so,",
      "1 with the reason otherwise."
    })
public final class VerifyCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin OutputOption output;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name or digest.")
  String image;

  @Option(
      names = "--key",
      paramLabel = "FILE",
      description = "The trusted public key (default: $KILN_HOME/keys/host.pub).")
  Optional<Path> key = Optional.empty();

  @Override
  public Integer call() {
    ImageStore store = home.requireStore();
    Descriptor d = InspectCommand.find(store, image);
    PublicKey trusted =
        key.map(HostKey::readPublicKey)
            .or(() -> ImageFacts.trustedKey(home.keys()))
            .orElseThrow(
                () ->
                    new ImageException(
                        "no host key in "
                            + home.keys()
                            + " to verify with; run `kiln keygen`, or pass --key FILE"));
    Verification v = ImageSigner.verify(store, d.digest(), trusted);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (output.json()) {
      ObjectNode o = Json.object();
      o.put("image", image);
      o.put("digest", d.digest().toString());
      o.put("valid", v.valid());
      o.put("reason", v.reason());
      v.keyId().ifPresent(k -> o.put("keyId", k));
      out.println(Json.pretty(o));
    } else if (v.valid()) {
      out.println(image + " " + d.digest() + " signed by " + v.keyId().orElse("?") + ": ok");
    } else {
      err.println(image + " " + d.digest() + ": NOT VERIFIED: " + v.reason());
    }
    out.flush();
    err.flush();
    return v.valid() ? 0 : 1;
  }
}
