package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiln journal}: the append-only log of every change, filtered. */
@Command(
    mixinStandardHelpOptions = true,
    name = "journal",
    description = {
      "Show the journal of changes, with actor and cause.",
      "Every apply, rollout step, promotion, rollback, scale, replacement and failure is an entry.",
      "`-o json` adds each entry's body and hashes."
    })
public final class JournalCommand implements Callable<Integer> {
  @Option(
      names = "--since",
      paramLabel = "SEQ",
      description = "Only entries after this sequence number.")
  Optional<Long> since = Optional.empty();

  @Option(
      names = "--service",
      paramLabel = "NAME",
      description = "Only entries about this service.")
  Optional<String> service = Optional.empty();

  @Option(
      names = "--kind",
      paramLabel = "KIND",
      description = "Only entries of this kind, e.g. apply, rollout-step.")
  Optional<String> kind = Optional.empty();

  @Option(names = "--limit", paramLabel = "N", description = "At most this many entries.")
  Optional<Integer> limit = Optional.empty();

  @Mixin OutputFormat output;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    Map<String, Optional<String>> query = new LinkedHashMap<>();
    query.put("since", since.map(String::valueOf));
    query.put("service", service);
    query.put("kind", kind);
    query.put("limit", limit.map(String::valueOf));
    JsonNode answer = ApiClient.fromEnvironment().get("/v1/journal" + ApiClient.query(query));
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) out.println(ApiClient.pretty(answer));
    else out.print(table(answer.path("entries")));
    out.flush();
    return 0;
  }

  static String table(JsonNode entries) {
    if (entries.isEmpty()) return "no journal entries match\n";
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode e : entries) {
      rows.add(
          List.of(
              ApiRender.number(e, "seq"),
              ApiRender.time(e, "time"),
              ApiRender.text(e, "actor"),
              ApiRender.text(e, "kind"),
              ApiRender.text(e, "subject"),
              ApiRender.text(e, "cause")));
    }
    return Tables.render(List.of("SEQ", "TIME", "ACTOR", "KIND", "SUBJECT", "CAUSE"), rows);
  }
}
