package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.DriftResponse;
import dev.kiln.api.DriftView;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln drift [SERVICE]}: every drift verdict, with its evidence and what Kiln did. */
@Command(
    mixinStandardHelpOptions = true,
    name = "drift",
    description = {
      "List drift verdicts: instances observed to differ from their image and revision.",
      "Surfaces: rootfs (a changed file under the root), process (a process entered from outside",
      "or running an executable not from the root). Response: replace (a new instance of the same",
      "revision took its place) or report (left running: drift: report, or the budget was spent)."
    })
public final class DriftCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SERVICE",
      description = "Only this service's verdicts.")
  Optional<String> service = Optional.empty();

  @Mixin OutputFormat output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ApiClient api = ApiClient.fromEnvironment();
    String path =
        service
            .map(
                s ->
                    "/v1/drift?service="
                        + java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8))
            .orElse("/v1/drift");
    JsonNode answer = api.get(path);
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) out.println(ApiClient.pretty(answer));
    else out.print(table(ApiClient.read(answer, DriftResponse.class).drift()));
    out.flush();
    return 0;
  }

  static String table(List<DriftView> verdicts) {
    if (verdicts.isEmpty()) return "no drift observed\n";
    List<List<String>> rows = new ArrayList<>();
    for (DriftView v : verdicts) {
      StringBuilder evidence = new StringBuilder();
      for (Map.Entry<String, String> e : v.evidence().entrySet()) {
        if (!evidence.isEmpty()) evidence.append(' ');
        evidence.append(e.getKey()).append('=').append(e.getValue());
      }
      rows.add(
          List.of(
              ApiRender.time(v.at()),
              ApiRender.text(v.service()),
              ApiRender.text(v.instance()),
              ApiRender.text(v.surface()),
              ApiRender.text(v.what()),
              ApiRender.text(v.response()),
              ApiRender.text(v.reason()),
              evidence.toString()));
    }
    return Tables.render(
        List.of("AT", "SERVICE", "INSTANCE", "SURFACE", "WHAT", "RESPONSE", "REASON", "EVIDENCE"),
        rows);
  }
}
