package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.CertificateView;
import dev.kiln.api.EnvironmentView;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.PromotionVerdict;
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

/** {@code kiln status [SERVICE]}: the fleet, or one service with its instances. */
@Command(
    mixinStandardHelpOptions = true,
    name = "status",
    description = {
      "Show the services, or one service with its instances.",
      "For each service: live revision, healthy/desired instances, strategy, rollout, traffic split."
    })
public final class StatusCommand implements Callable<Integer> {
  @Parameters(
      index = "0",
      arity = "0..1",
      paramLabel = "SERVICE",
      description = "Show only this service, with its instances.")
  Optional<String> service = Optional.empty();

  @Mixin OutputFormat output;
  @Mixin EnvOption env;
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ApiClient api = ApiClient.fromEnvironment();
    JsonNode answer =
        service.isPresent()
            ? api.get(ApiClient.path("/v1/services", env.qualify(service.get())))
            : api.get("/v1/services");
    PrintWriter out = spec.commandLine().getOut();
    if (output.json())
      out.println(ApiClient.pretty(service.isPresent() ? answer : EnvFilter.services(answer, env)));
    else if (service.isPresent()) out.print(service(answer));
    else if (env.env.isPresent()) {
      // one environment's services; the certificates and git status are the whole server's
      out.print(services(EnvFilter.services(answer, env).path("services")));
      out.print(
          gate(
              ApiClient.read(api.get("/v1/environments"), EnvironmentsResponse.class),
              env.env.get()));
    } else {
      ServicesResponse all = ApiClient.read(answer, ServicesResponse.class);
      out.print(services(answer.path("services")) + certificates(all.certificates()));
      if (all.git() != null) out.print(GitStatus.line(all.git()));
    }
    out.flush();
    return 0;
  }

  static String services(JsonNode services) {
    if (services.isEmpty()) return "no services yet; deploy a blueprint with `kiln apply`\n";
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode s : services) {
      rows.add(
          List.of(
              ApiRender.text(s, "name"),
              ApiRender.revision(s, "liveRevision"),
              s.path("healthy").asInt() + "/" + s.path("replicas").asInt(),
              ApiRender.text(s, "strategy"),
              ApiRender.rolloutCell(s.path("rollout")),
              ApiRender.traffic(s.path("traffic"))));
    }
    return Tables.render(
        List.of("NAME", "REVISION", "HEALTHY/DESIRED", "STRATEGY", "ROLLOUT", "TRAFFIC"), rows);
  }

  /**
   * {@code kiln status --env E} of an environment with {@code promotion:}: the gate's verdict now
   * for the revision live in its source, per service (as {@code kiln env list}'s GATE column).
   */
  static String gate(EnvironmentsResponse environments, String env) {
    StringBuilder b = new StringBuilder();
    for (EnvironmentView e : environments.environments()) {
      if (!env.equals(e.name())) continue;
      for (EnvironmentView.Service s : e.services()) {
        PromotionVerdict g = s.promotionGate();
        if (g == null) continue;
        if (b.isEmpty()) b.append("\npromotion gate (from ").append(g.from()).append("):\n");
        b.append("  ").append(s.name()).append(": ").append(EnvCommand.gateCell(g));
        if (!g.eligible()) b.append(" (").append(g.reason()).append(')');
        b.append('\n');
      }
    }
    return b.toString();
  }

  /** The certificates the router serves (route.tls), with their expiry; nothing when none. */
  static String certificates(List<CertificateView> certs) {
    if (certs.isEmpty()) return "";
    List<List<String>> rows = new ArrayList<>();
    for (CertificateView c : certs) {
      rows.add(
          List.of(
              ApiRender.text(c.service()),
              ApiRender.text(c.host()),
              ApiRender.text(c.cert()),
              ApiRender.text(c.notAfter()),
              c.daysLeft() + "d",
              (c.redirect() ? "redirect" : "-") + (c.hsts() ? ",hsts" : "")));
    }
    return "\n"
        + Tables.render(List.of("SERVICE", "HOST", "CERTIFICATE", "EXPIRES", "LEFT", "HTTP"), rows);
  }

  /** "certs/app.pem, expires 2027-01-31T00:00:00Z (62 days), redirect, hsts". */
  static String tls(CertificateView c) {
    return ApiRender.text(c.cert())
        + ", expires "
        + ApiRender.text(c.notAfter())
        + " ("
        + c.daysLeft()
        + " days)"
        + (c.redirect() ? ", redirect" : "")
        + (c.hsts() ? ", hsts" : "");
  }

  /** "3 now (1-10), wants 3; target rps 20 per instance, observed 55.1 (18.37 per instance)". */
  static String autoscale(JsonNode a) {
    StringBuilder b =
        new StringBuilder()
            .append(a.path("current").asInt())
            .append(" now (")
            .append(a.path("min").asInt())
            .append("-")
            .append(a.path("max").asInt())
            .append("), wants ")
            .append(a.path("desired").asInt())
            .append("; target ")
            .append(a.path("metric").asText())
            .append(' ')
            .append(num(a.path("target").asDouble()))
            .append(a.path("metric").asText().equals("p99") ? "ms" : " per instance");
    if (a.has("observed")) {
      b.append(", observed ").append(num(a.path("observed").asDouble()));
      if (!a.path("metric").asText().equals("p99"))
        b.append(" (")
            .append(num(a.path("observedPerInstance").asDouble()))
            .append(" per instance)");
    }
    if (a.has("rule")) b.append("; ").append(a.path("rule").asText());
    return b.toString();
  }

  private static String num(double v) {
    return v == Math.rint(v)
        ? Long.toString((long) v)
        : String.format(java.util.Locale.ROOT, "%.2f", v);
  }

  static String service(JsonNode s) {
    StringBuilder b = new StringBuilder();
    JsonNode route = s.path("route");
    List<List<String>> facts = new ArrayList<>();
    facts.add(List.of("Service:", ApiRender.text(s, "name")));
    facts.add(List.of("Revision:", ApiRender.revision(s, "liveRevision")));
    facts.add(List.of("Image:", ApiRender.text(s, "image")));
    facts.add(
        List.of(
            "Instances:",
            s.path("healthy").asInt() + " healthy of " + s.path("replicas").asInt() + " desired"));
    if (s.path("autoscale").isObject())
      facts.add(List.of("Autoscale:", autoscale(s.get("autoscale"))));
    facts.add(List.of("Strategy:", ApiRender.text(s, "strategy")));
    facts.add(
        List.of(
            "Route:",
            route.isObject()
                ? ApiRender.text(route, "host") + " " + ApiRender.text(route, "path")
                : "-"));
    if (route.path("tls").isObject())
      facts.add(List.of("TLS:", tls(ApiClient.read(route.get("tls"), CertificateView.class))));
    facts.add(List.of("Traffic:", ApiRender.traffic(s.path("traffic"))));
    JsonNode rollout = s.path("rollout");
    facts.add(List.of("Rollout:", rollout.isObject() ? rolloutSummary(rollout) : "-"));
    for (List<String> f : facts) b.append(String.format("%-11s %s%n", f.get(0), f.get(1)));
    if (rollout.isObject()) {
      for (JsonNode c : rollout.path("conditions")) {
        b.append("  ")
            .append(ApiRender.text(c, "type"))
            .append('=')
            .append(c.path("status").asBoolean())
            .append(' ')
            .append(ApiRender.text(c, "reason"));
        String m = c.path("message").asText("");
        if (!m.isBlank()) b.append(": ").append(m);
        b.append('\n');
      }
    }
    b.append('\n');
    JsonNode instances = s.path("instances");
    if (instances.isEmpty()) return b.append("no instances\n").toString();
    List<List<String>> rows = new ArrayList<>();
    for (JsonNode i : instances) {
      rows.add(
          List.of(
              ApiRender.text(i, "id"),
              ApiRender.revision(i, "revision"),
              ApiRender.text(i, "runtime"),
              ApiRender.text(i, "state"),
              ApiRender.text(i, "health"),
              ApiRender.number(i, "port"),
              ApiRender.number(i, "pid"),
              ApiRender.time(i, "startedAt"),
              ApiRender.cpu(i),
              ApiRender.memory(i),
              i.path("drift").asText("-")));
    }
    return b.append(
            Tables.render(
                List.of(
                    "INSTANCE",
                    "REVISION",
                    "RUNTIME",
                    "STATE",
                    "HEALTH",
                    "PORT",
                    "PID",
                    "STARTED",
                    "CPU",
                    "MEMORY",
                    "DRIFT"),
                rows))
        .append(isolation(instances))
        .toString();
  }

  /** One line per isolation mode in use (own network and uid, or the host's), if the view says. */
  private static String isolation(JsonNode instances) {
    // uids and slots differ per service and instance; the mode is what is left without them
    java.util.TreeSet<String> modes = new java.util.TreeSet<>();
    instances.forEach(
        i ->
            modes.add(
                i.path("isolation").asText("").replaceAll(" uid \\d+| kiln-\\d+ at \\S+", "")));
    modes.remove("");
    StringBuilder b = new StringBuilder();
    for (String m : modes) b.append("isolation: ").append(m).append('\n');
    return b.toString();
  }

  private static String rolloutSummary(JsonNode r) {
    String s =
        ProgressRender.fromTo(r)
            + " "
            + ApiRender.text(r, "strategy")
            + " "
            + ApiRender.rolloutCell(r);
    if (r.path("canaryWeight").isNumber()) s += ", weight " + r.path("canaryWeight").asInt() + "%";
    String m = r.path("message").asText("");
    return m.isBlank() ? s : s + " (" + m + ")";
  }
}
