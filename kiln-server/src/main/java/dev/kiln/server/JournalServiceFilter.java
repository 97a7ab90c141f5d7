package dev.kiln.server;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * Whether {@code GET /v1/journal?service=NAME} names a service at all. A filter by a misspelt name
 * matched nothing and {@code kiln journal --service nosuch} said only "no journal entries match",
 * where every other command names the unknown service and the known ones. A service that was
 * removed still has its entries, so a name is known if it is applied now or the journal has ever
 * had an entry about it. Pure: the caller looks both up.
 */
final class JournalServiceFilter {
  private JournalServiceFilter() {}

  /**
   * @param service the name asked for
   * @param applied the services applied now (environments' as {@code ENV--SERVICE})
   * @param journaled whether any entry of the journal is about {@code service}
   * @return the refusal's message when the name is unknown
   */
  static Optional<String> unknown(String service, Collection<String> applied, boolean journaled) {
    if (journaled || applied.contains(service)) return Optional.empty();
    return Optional.of(noSuchService(service, applied));
  }

  /**
   * The one wording of "no such service", wherever a request names one: the services applied now
   * (environments' as ENV--SERVICE, with a hint when the name is one without its environment).
   */
  static String noSuchService(String service, Collection<String> applied) {
    List<String> known = List.copyOf(new TreeSet<>(applied));
    StringBuilder m = new StringBuilder("no service named '").append(service).append("'");
    m.append(known.isEmpty() ? " (none is applied yet)" : "; known: " + String.join(", ", known));
    // `kiln journal --service web` of a blueprint with environments: the journal says staging--web
    List<String> inEnvironments = known.stream().filter(k -> k.endsWith("--" + service)).toList();
    if (!inEnvironments.isEmpty())
      m.append(" (a service of an environment is ENV--SERVICE: ")
          .append(String.join(", ", inEnvironments))
          .append(')');
    return m.toString();
  }
}
