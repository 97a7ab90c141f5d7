package dev.kiln.cli;

import dev.kiln.api.RevisionView;
import dev.kiln.api.RevisionsResponse;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
import dev.kiln.model.Digest;
import dev.kiln.model.KilnException;
import dev.kiln.runtime.kubernetes.ExportManifests;
import dev.kiln.runtime.kubernetes.ExportedService;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln export kubernetes [-o DIR]}: the live fleet as plain manifests. */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description = "Export the live fleet for another tool.",
    subcommands = ExportCommand.Kubernetes.class)
public final class ExportCommand {

  @Command(
      name = "kubernetes",
      mixinStandardHelpOptions = true,
      description = {
        "Write every service at its live revision as plain Kubernetes manifests:",
        "a Deployment, a Service and a claim per volume; image by digest, env,",
        "health as probes, secrets as references to <service>-secrets.",
        "One file per object, the same bytes for the same fleet: for a hand-over",
        "to Argo CD. Without -o, prints them as one YAML stream."
      })
  public static final class Kubernetes implements Callable<Integer> {
    @Option(
        names = {"-o", "--output"},
        paramLabel = "DIR",
        description = "Write DIR/<service>/<kind>-<name>.yaml instead of printing.")
    Optional<Path> dir = Optional.empty();

    @Option(
        names = "--registry",
        paramLabel = "REGISTRY",
        description =
            "Where the images were pushed (`kiln push IMAGE REGISTRY/SERVICE`): images become"
                + " REGISTRY/SERVICE@sha256:...; without it, SERVICE@sha256:...")
    Optional<String> registry = Optional.empty();

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      ApiClient api = ApiClient.fromEnvironment();
      List<ExportedService> services = new ArrayList<>();
      List<String> skipped = new ArrayList<>();
      for (ServiceView s :
          ApiClient.read(api.get("/v1/services"), ServicesResponse.class).services()) {
        Integer liveRevision = s.liveRevision();
        if (liveRevision == null) {
          skipped.add(s.name());
          continue;
        }
        services.add(live(api, s.name(), liveRevision, s.replicas()));
      }
      services.sort((a, b) -> a.name().compareTo(b.name()));
      SortedMap<String, String> files = ExportManifests.render(services, registry);
      PrintWriter out = spec.commandLine().getOut();
      if (dir.isPresent()) {
        files.forEach((file, yaml) -> write(dir.get().resolve(file), yaml));
        out.printf(
            "wrote %d file(s) for %d service(s) under %s%n",
            files.size(), services.size(), dir.get());
      } else {
        files.forEach((file, yaml) -> out.print("# " + file + "\n" + yaml));
      }
      if (!skipped.isEmpty()) {
        spec.commandLine()
            .getErr()
            .println("not exported (no live revision yet): " + String.join(", ", skipped));
      }
      out.flush();
      return 0;
    }

    private static ExportedService live(ApiClient api, String name, int live, int replicas) {
      RevisionsResponse revisions =
          ApiClient.read(
              api.get(ApiClient.path("/v1/services", name, "revisions")), RevisionsResponse.class);
      for (RevisionView r : revisions.revisions()) {
        if (r.number() != live) continue;
        return new ExportedService(
            name, live, replicas, Digest.parse(r.image()), new TreeMap<>(r.config()));
      }
      throw new KilnException(
          "service "
              + name
              + ": its live revision "
              + live
              + " is not among its revisions;"
              + " retry, or check `kiln history "
              + name
              + "`");
    }

    /** Temp file, then an atomic move: an interrupted export never leaves half a manifest. */
    private static void write(Path file, String yaml) {
      try {
        Files.createDirectories(file.getParent());
        Path tmp = Files.createTempFile(file.getParent(), ".export-", ".tmp");
        Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        throw new KilnException("cannot write " + file + ": " + e.getMessage());
      }
    }
  }
}
