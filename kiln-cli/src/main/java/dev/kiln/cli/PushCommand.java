package dev.kiln.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.ImageStore;
import dev.kiln.image.Json;
import dev.kiln.registry.Push;
import dev.kiln.registry.RegistryRef;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code kiln push IMAGE REGISTRY/REPO[:TAG]}: the image, its signature and SBOM, byte for byte.
 */
@Command(
    name = "push",
    description = {
      "Push IMAGE (a name or digest in the local store) to an OCI registry with its signature and",
      "SBOM as referrers (the tag-schema fallback where the registry has no referrers API). The",
      "pushed digest is the store's digest."
    })
public final class PushCommand implements Callable<Integer> {
  @Mixin HomeOption home;
  @Mixin OutputOption output;
  @Mixin RegistryLogin login;
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IMAGE", description = "Image name or digest.")
  String image;

  @Parameters(index = "1", paramLabel = "REGISTRY/REPO[:TAG]", description = "Where to push it.")
  String target;

  @Override
  public Integer call() {
    ImageStore store = home.requireStore();
    Push.Result r = Push.push(store, image, RegistryRef.parse(target), login.options());
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) {
      ObjectNode o = Json.object();
      o.put("pushed", r.target().toString());
      o.put("digest", r.digest().toString());
      o.put("blobsUploaded", r.blobsUploaded());
      o.put("bytesUploaded", r.bytesUploaded());
      o.put("referrers", r.referrers());
      o.put("referrersFallbackTag", r.fallbackTag());
      out.println(Json.pretty(o));
    } else {
      out.printf(
          "pushed %s%n  %d blob(s), %d bytes uploaded; %d referrer(s)%s%n",
          r.target(),
          r.blobsUploaded(),
          r.bytesUploaded(),
          r.referrers(),
          r.fallbackTag()
              ? " (listed under the fallback tag: the registry has no referrers API)"
              : "");
    }
    out.flush();
    return 0;
  }
}
