package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.RevisionView;
import dev.kiln.api.RevisionsResponse;
import dev.kiln.api.ServiceView;
import dev.kiln.api.ServicesResponse;
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
    PrintWriter out = spec.commandLine().getOut();
    if (service.isPresent()) {
      JsonNode answer =
          api.get(ApiClient.path("/v1/services", env.qualify(service.get()), "revisions"));
      // the server's JSON as sent, or its table
      if (output.json()) out.println(ApiClient.pretty(answer));
      else out.print(table(ApiClient.read(answer, RevisionsResponse.class).revisions(), false));
    } else {
      RevisionsResponse all = everyService(api);
      if (output.json()) out.println(ApiClient.pretty(ApiClient.tree(all)));
      else out.print(table(all.revisions(), true));
    }
    out.flush();
    return 0;
  }

  /** No endpoint lists every service's revisions: gather them, in the same shape. */
  private RevisionsResponse everyService(ApiClient api) {
    ServicesResponse services =
        EnvFilter.services(
            api, ApiClient.read(api.get("/v1/services"), ServicesResponse.class), env);
    List<RevisionView> revisions = new ArrayList<>();
    for (ServiceView s : services.services()) {
      revisions.addAll(
          ApiClient.read(
                  api.get(ApiClient.path("/v1/services", s.name(), "revisions")),
                  RevisionsResponse.class)
              .revisions());
    }
    return new RevisionsResponse(revisions);
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
