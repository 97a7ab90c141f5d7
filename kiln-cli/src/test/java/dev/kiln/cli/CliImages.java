package dev.kiln.cli;

import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageConfig;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.image.LayerEntry;
import dev.kiln.image.LayerWriter;
import dev.kiln.image.MediaTypes;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Test fixtures for the image commands: a small image, and running `kiln` in-process. */
final class CliImages {
  private CliImages() {}

  record Run(int exit, String out, String err) {}

  static Run kiln(Path home, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    var cli = KilnCommand.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    String[] all = new String[args.length + 2];
    System.arraycopy(args, 0, all, 0, 1);
    all[1] = "--home";
    all[2] = home.toString();
    System.arraycopy(args, 1, all, 3, args.length - 1);
    int exit = cli.execute(all);
    return new Run(exit, out.toString(), err.toString());
  }

  static Descriptor image(ImageStore store, String motd, Map<String, String> annotations) {
    Descriptor layer =
        new LayerWriter(LayerWriter.DEFAULT_EPOCH)
            .write(
                store,
                List.of(
                    new LayerEntry.Bytes(
                        "/etc/motd", motd.getBytes(StandardCharsets.UTF_8), 0644, 0, 0),
                    new LayerEntry.Bytes(
                        "/var/lib/dpkg/status",
                        "Package: hello\nStatus: install ok installed\nVersion: 2.10-3\nArchitecture: amd64\n"
                            .getBytes(StandardCharsets.UTF_8),
                        0644,
                        0,
                        0)));
    ImageConfig config =
        new ImageConfig(
            "amd64",
            "linux",
            Instant.parse("2026-01-02T03:04:05Z"),
            List.of("PORT=8080"),
            List.of("/usr/bin/hello"),
            List.of("--greet"),
            Optional.of("/srv"),
            Optional.of("1000"),
            List.of(8080),
            Map.of("team", "web"),
            List.of(layer.digest()),
            List.of("COPY motd"));
    Descriptor c = store.put(MediaTypes.CONFIG, config.toBytes());
    return store.putManifest(
        new ImageManifest(c, List.of(layer), annotations, Optional.empty(), Optional.empty()));
  }
}
