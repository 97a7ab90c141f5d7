package dev.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kiln.api.AutoscaleView;
import dev.kiln.api.CertificateView;
import dev.kiln.api.ConditionView;
import dev.kiln.api.EnvironmentView;
import dev.kiln.api.EnvironmentsResponse;
import dev.kiln.api.InstanceView;
import dev.kiln.api.PromotionVerdict;
import dev.kiln.api.RolloutView;
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
    if (service.isPresent()) {
      // one service: the server's JSON as sent, or its table
      if (output.json()) out.println(ApiClient.pretty(answer));
      else out.print(service(ApiClient.read(answer, ServiceView.class)));
    } else if (env.env.isPresent()) {
      ServicesResponse mine =
          EnvFilter.services(api, ApiClient.read(answer, ServicesResponse.class), env);
      if (output.json()) out.println(ApiClient.pretty(ApiClient.tree(mine)));
      else {
        // one environment's services; its certificates are in the JSON, not the table
        out.print(services(mine.services()));
        out.print(
            gate(
                ApiClient.read(api.get("/v1/environments"), EnvironmentsResponse.class),
                env.env.get()));
      }
    } else if (output.json()) {
      out.println(ApiClient.pretty(answer));
    } else {
      ServicesResponse all = ApiClient.read(answer, ServicesResponse.class);
      out.print(services(all.services()) + certificates(all.certificates()));
      if (all.git() != null) out.print(GitStatus.line(all.git()));
    }
    out.flush();
    return 0;
  }

  static String services(List<ServiceView> services) {
    if (services.isEmpty()) return "no services yet; deploy a blueprint with `kiln apply`\n";
    List<List<String>> rows = new ArrayList<>();
    for (ServiceView s : services) {
      rows.add(
          List.of(
              ApiRender.text(s.name()),
              ApiRender.number(s.liveRevision()),
              s.healthy() + "/" + s.replicas(),
              ApiRender.text(s.strategy()),
              rolloutCell(s.rollout()),
              ApiRender.traffic(s.traffic())));
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
  static String autoscale(AutoscaleView a) {
    boolean p99 = a.metric().equals("p99");
    StringBuilder b =
        new StringBuilder()
            .append(a.current())
            .append(" now (")
            .append(a.min())
            .append("-")
            .append(a.max())
            .append("), wants ")
            .append(a.desired())
            .append("; target ")
            .append(a.metric())
            .append(' ')
            .append(num(a.target()))
            .append(p99 ? "ms" : " per instance");
    if (a.observed() != null) {
      b.append(", observed ").append(num(a.observed()));
      if (!p99 && a.observedPerInstance() != null)
        b.append(" (").append(num(a.observedPerInstance())).append(" per instance)");
    }
    if (a.rule() != null) b.append("; ").append(a.rule());
    return b.toString();
  }

  private static String num(double v) {
    return v == Math.rint(v)
        ? Long.toString((long) v)
        : String.format(java.util.Locale.ROOT, "%.2f", v);
  }

  static String service(ServiceView s) {
    StringBuilder b = new StringBuilder();
    ServiceView.Route route = s.route();
    List<List<String>> facts = new ArrayList<>();
    facts.add(List.of("Service:", ApiRender.text(s.name())));
    facts.add(List.of("Revision:", ApiRender.number(s.liveRevision())));
    facts.add(List.of("Image:", ApiRender.text(s.image())));
    facts.add(List.of("Instances:", s.healthy() + " healthy of " + s.replicas() + " desired"));
    if (s.autoscale() != null) facts.add(List.of("Autoscale:", autoscale(s.autoscale())));
    facts.add(List.of("Strategy:", ApiRender.text(s.strategy())));
    facts.add(
        List.of(
            "Route:",
            route != null
                ? ApiRender.text(route.host()) + " " + ApiRender.text(route.path())
                : "-"));
    if (route != null && route.tls() != null) facts.add(List.of("TLS:", tls(route.tls())));
    facts.add(List.of("Traffic:", ApiRender.traffic(s.traffic())));
    RolloutView rollout = s.rollout();
    facts.add(List.of("Rollout:", rollout != null ? rolloutSummary(rollout) : "-"));
    for (List<String> f : facts) b.append(String.format("%-11s %s%n", f.get(0), f.get(1)));
    if (rollout != null) {
      for (ConditionView c : rollout.conditions()) {
        b.append("  ")
            .append(ApiRender.text(c.type()))
            .append('=')
            .append(c.status())
            .append(' ')
            .append(ApiRender.text(c.reason()));
        String m = c.message() == null ? "" : c.message();
        if (!m.isBlank()) b.append(": ").append(m);
        b.append('\n');
      }
    }
    b.append('\n');
    List<InstanceView> instances = s.instances();
    if (instances.isEmpty()) return b.append("no instances\n").toString();
    List<List<String>> rows = new ArrayList<>();
    for (InstanceView i : instances) {
      rows.add(
          List.of(
              ApiRender.text(i.id()),
              ApiRender.number(i.revision()),
              ApiRender.text(i.runtime()),
              ApiRender.text(i.state()),
              ApiRender.text(i.health()),
              ApiRender.number(i.port()),
              ApiRender.number(i.pid()),
              ApiRender.time(i.startedAt()),
              ApiRender.cpu(i),
              ApiRender.memory(i),
              ApiRender.text(i.drift())));
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
  private static String isolation(List<InstanceView> instances) {
    // uids and slots differ per service and instance; the mode is what is left without them
    java.util.TreeSet<String> modes = new java.util.TreeSet<>();
    for (InstanceView i : instances) {
      String isolation = i.isolation();
      if (isolation != null) modes.add(isolation.replaceAll(" uid \\d+| kiln-\\d+ at \\S+", ""));
    }
    modes.remove("");
    StringBuilder b = new StringBuilder();
    for (String m : modes) b.append("isolation: ").append(m).append('\n');
    return b.toString();
  }

  /**
   * The ROLLOUT column. A canary step without a pause (or a blue-green preview without
   * auto-promotion) waits for a person: said here, or "PROGRESSING 1/3" reads as if it were moving.
   */
  static String rolloutCell(@dev.kiln.api.Nullable RolloutView r) {
    String cell = ApiRender.rolloutCell(r);
    return r != null && ProgressRender.awaitsUser(r) ? cell + ", awaits kiln promote" : cell;
  }

  private static String rolloutSummary(RolloutView r) {
    String s =
        ProgressRender.fromTo(r)
            + " "
            + ApiRender.text(r.strategy())
            + " "
            + ApiRender.rolloutCell(r);
    s += ", weight " + r.canaryWeight() + "%";
    String m = r.message() == null ? "" : r.message();
    if (!m.isBlank()) s += " (" + m + ")";
    if (ProgressRender.awaitsUser(r))
      s +=
          "; waits for `kiln promote "
              + r.service()
              + "`, `kiln abort "
              + r.service()
              + "` goes back";
    return s;
  }
}
