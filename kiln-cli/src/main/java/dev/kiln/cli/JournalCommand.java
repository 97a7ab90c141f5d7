package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.JournalEntry;
import dev.kiln.api.JournalResponse;
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
      "`-o json` adds each entry's body and hashes.",
      "`--follow` keeps printing entries as they are appended (one line each; `-o json`: one",
      "object per line), and resumes from the last one printed if the server restarts."
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
      description =
          "Only entries of this kind (the KIND column), e.g. blueprint-applied, rollout-succeeded,"
              + " rollout-aborted, instance-failed.")
  Optional<String> kind = Optional.empty();

  @Option(names = "--limit", paramLabel = "N", description = "At most this many entries.")
  Optional<Integer> limit = Optional.empty();

  @Option(
      names = {"-f", "--follow"},
      description =
          "Keep printing new entries as they are appended, until Ctrl-C (without --since: the"
              + " last 10 first).")
  boolean follow;

  @Mixin OutputFormat output;
  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  /** The server's name of --service: ENV--SERVICE with --env. */
  private Optional<String> service() {
    if (env.env.isPresent() && service.isEmpty())
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--env "
              + env.env.get()
              + " needs --service NAME: the journal is one for every environment, and an"
              + " environment's entries are those of its services (kiln journal --env "
              + env.env.get()
              + " --service web)");
    return service.map(env::qualify);
  }

  @Override
  public Integer call() {
    Optional<String> service = service();
    if (follow) return follow(service);
    Map<String, Optional<String>> query = new LinkedHashMap<>();
    query.put("since", since.map(String::valueOf));
    query.put("service", service);
    query.put("kind", kind);
    query.put("limit", limit.map(String::valueOf));
    JsonNode answer = ApiClient.fromEnvironment().get("/v1/journal" + ApiClient.query(query));
    PrintWriter out = spec.commandLine().getOut();
    if (output.json()) out.println(ApiClient.pretty(answer));
    else out.print(table(ApiClient.read(answer, JournalResponse.class).entries(), kind));
    out.flush();
    return 0;
  }

  /** {@code --follow}: the stream from --since (or the last entries first), one line per entry. */
  private int follow(Optional<String> service) {
    ApiClient client = ApiClient.fromEnvironment();
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    long after;
    if (since.isPresent()) {
      after = since.get();
      // the stream does not check its filter: ask once, so that an unknown --service is refused
      // with the known ones (as without --since) instead of following nothing forever
      if (service.isPresent()) {
        Map<String, Optional<String>> q = new LinkedHashMap<>();
        q.put("since", since.map(String::valueOf));
        q.put("service", service);
        q.put("limit", Optional.of("1"));
        client.get("/v1/journal" + ApiClient.query(q));
      }
    } else {
      Map<String, Optional<String>> q = new LinkedHashMap<>();
      q.put("service", service);
      q.put("kind", kind);
      q.put("limit", Optional.of(String.valueOf(limit.orElse(10))));
      List<JournalEntry> recent =
          ApiClient.read(client.get("/v1/journal" + ApiClient.query(q)), JournalResponse.class)
              .entries();
      // where the stream starts: the journal's head, whatever the filters matched
      List<JournalEntry> head =
          ApiClient.read(client.get("/v1/journal?limit=1"), JournalResponse.class).entries();
      after = head.isEmpty() ? 0 : head.getFirst().seq();
      recent.forEach(e -> print(out, e));
    }
    Map<String, Optional<String>> filters = new LinkedHashMap<>();
    filters.put("service", service);
    filters.put("kind", kind);
    String extra = ApiClient.query(filters).replaceFirst("^\\?", "&");
    new EventStreamClient(
            client.endpoint(),
            extra,
            notice -> {
              err.println(notice);
              err.flush();
            })
        .follow(after, e -> print(out, e));
    return 0;
  }

  private void print(PrintWriter out, JournalEntry e) {
    if (output.json()) {
      try {
        out.println(ApiClient.JSON.writeValueAsString(e));
      } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
        throw new IllegalStateException(ex);
      }
    } else {
      out.println(
          String.format(
              "%-6s %-20s %-28s %-20s %-10s %s",
              e.seq(),
              ApiRender.time(e.time()),
              ApiRender.text(e.actor()),
              ApiRender.text(e.kind()),
              ApiRender.text(e.subject()),
              ApiRender.text(e.cause())));
    }
    out.flush();
  }

  /**
   * The entries as a table. None of a kind says what kinds look like: the help once gave "apply"
   * and "rollout-step" as examples, kinds that do not exist, and a filter by them matched nothing.
   */
  static String table(List<JournalEntry> entries, Optional<String> kind) {
    if (entries.isEmpty() && kind.isPresent())
      return "no journal entries match (kind '"
          + kind.get()
          + "': kinds are as in the KIND column of `kiln journal`, e.g. blueprint-applied,"
          + " rollout-started, rollout-succeeded, rollout-aborted, instance-failed)\n";
    if (entries.isEmpty()) return "no journal entries match\n";
    List<List<String>> rows = new ArrayList<>();
    for (JournalEntry e : entries) {
      rows.add(
          List.of(
              Long.toString(e.seq()),
              ApiRender.time(e.time()),
              ApiRender.text(e.actor()),
              ApiRender.text(e.kind()),
              ApiRender.text(e.subject()),
              ApiRender.text(e.cause())));
    }
    return Tables.render(List.of("SEQ", "TIME", "ACTOR", "KIND", "SUBJECT", "CAUSE"), rows);
  }
}
