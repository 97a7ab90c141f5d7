package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.api.RevisionView;
import dev.kiln.api.RevisionsResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code kiln history [SERVICE]}: every revision, with who made it, when and why. */
@Command(
    mixinStandardHelpOptions = true,
    name = "history",
    description = {
      "List the revisions of a service (or of all), with who made them, when and why.",
      "Oldest first. Roll back to one with `kiln rollback SERVICE --to REVISION`."
    })
public final class HistoryCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SERVICE",
      description = "Only this service's revisions.")
  Optional<String> service = Optional.empty();

  @Mixin OutputFormat output;
  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ApiClient api = ApiClient.fromEnvironment();
    JsonNode answer;
    if (service.isPresent()) {
      answer = api.get(ApiClient.path("/v1/services", env.qualify(service.get()), "revisions"));
    } else {
      // No endpoint lists every service's revisions: gather them, in the same shape.
      ObjectNode all = ApiClient.object();
      ArrayNode revisions = all.putArray("revisions");
      for (JsonNode s : EnvFilter.services(api.get("/v1/services"), env).path("services")) {
        api.get(ApiClient.path("/v1/services", s.path("name").asText(), "revisions"))
            .path("revisions")
            .forEach(revisions::add);
      }
      answer = all;
    }
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) out.println(ApiClient.pretty(answer));
    else
      out.print(
          table(ApiClient.read(answer, RevisionsResponse.class).revisions(), service.isEmpty()));
    out.flush();
    return 0;
  }

  static String table(List<RevisionView> revisions, boolean withService) {
    if (revisions.isEmpty()) return "no revisions yet; deploy a blueprint with `kiln apply`\n";
    List<String> headers =
        new ArrayList<>(List.of("REVISION", "IMAGE", "CREATED", "ACTOR", "CAUSE"));
    if (withService) headers.addFirst("SERVICE");
    List<List<String>> rows = new ArrayList<>();
    for (RevisionView r : revisions) {
      List<String> row =
          new ArrayList<>(
              List.of(
                  Integer.toString(r.number()),
                  ApiRender.shortDigest(r.image()),
                  ApiRender.time(r.createdAt()),
                  ApiRender.text(r.actor()),
                  ApiRender.text(r.cause())));
      if (withService) row.addFirst(ApiRender.text(r.service()));
      rows.add(row);
    }
    return Tables.render(headers, rows);
  }
}
