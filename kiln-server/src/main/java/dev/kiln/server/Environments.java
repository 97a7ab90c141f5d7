package dev.kiln.server;

import dev.kiln.controller.RuntimeConfig;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Environment;
import dev.kiln.model.Location;
import dev.kiln.model.ServiceSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * How a blueprint with {@code environments:} becomes what the server runs. Inside the server a
 * service of an environment is one name, {@code staging--web} ({@link Environment#qualify}): its
 * revisions, rollouts, instances and journal subjects are keyed by it, so the journal and the state
 * stay keyed by one string and nothing else needs to know about environments. The default
 * environment (a blueprint without {@code environments:}) keeps plain names, so existing journals
 * read as before.
 */
final class Environments {
  private Environments() {}

  /**
   * A blueprint as one environment runs it.
   *
   * @param blueprint its services qualified and resolved with the environment's overrides
   * @param scope the live services this apply may change (a plan removes only those)
   * @param declared the {@code environment-applied} entry to journal, for an environment
   */
  record Resolved(
      Blueprint blueprint,
      Optional<String> environment,
      Predicate<String> scope,
      Optional<JournalEvent.EnvironmentApplied> declared) {}

  /**
   * @param known the environments the server knows (their services are not the default's)
   */
  static Resolved resolve(Blueprint bp, Optional<String> env, Set<String> known) {
    if (env.isEmpty()) {
      if (!bp.environments().isEmpty()) {
        throw new ServerException(
            "the blueprint declares environments "
                + String.join(", ", bp.environments().keySet())
                + ": name the one to apply, e.g. --env "
                + bp.environments().keySet().iterator().next());
      }
      return new Resolved(bp, env, name -> !qualified(name, known), Optional.empty());
    }
    String name = env.get();
    if (bp.environments().isEmpty()) {
      throw new ServerException(
          "the blueprint declares no environments, so --env "
              + name
              + " means nothing: drop --env, or declare environments: { "
              + name
              + ": { router: HOST:PORT } }");
    }
    Environment e =
        bp.environment(name)
            .orElseThrow(
                () ->
                    new ServerException.NotFound(
                        "no environment '"
                            + name
                            + "' in "
                            + bp.file()
                            + "; it declares "
                            + String.join(", ", bp.environments().keySet())));
    Map<String, ServiceSpec> services = new LinkedHashMap<>();
    for (ServiceSpec s : bp.services().values()) {
      ServiceSpec r = e.resolve(s);
      services.put(
          Environment.qualify(name, s.name()), renamed(r, Environment.qualify(name, s.name())));
    }
    Blueprint resolved =
        new Blueprint(
            bp.file(),
            bp.digest(),
            bp.images(),
            services,
            bp.policy(),
            bp.environments(),
            bp.webhooks());
    String prefix = name + Environment.SEPARATOR;
    return new Resolved(
        resolved, env, svc -> svc.startsWith(prefix), Optional.of(declared(bp, name)));
  }

  /** The {@code environment-applied} entry: every environment of the blueprint, resolved. */
  static JournalEvent.EnvironmentApplied declared(Blueprint bp, String applied) {
    TreeMap<String, JournalEvent.DeclaredEnvironment> out = new TreeMap<>();
    for (Environment e : bp.environments().values()) {
      TreeMap<String, JournalEvent.EnvironmentService> services = new TreeMap<>();
      for (ServiceSpec base : bp.services().values()) {
        ServiceSpec s = e.resolve(base);
        services.put(
            s.name(),
            new JournalEvent.EnvironmentService(
                new JournalEvent.AppliedService(
                    s.image(),
                    s.replicas(),
                    s.strategy(),
                    s.progressDeadline(),
                    s.autoscale(),
                    s.drift()),
                RuntimeConfig.of(s)));
      }
      out.put(
          e.name(),
          new JournalEvent.DeclaredEnvironment(
              e.router(),
              e.promotion().map(Environment.Promotion::from),
              e.promotion().map(Environment.Promotion::soak).orElse(java.time.Duration.ZERO),
              services));
    }
    return new JournalEvent.EnvironmentApplied(applied, bp.digest(), out);
  }

  /** The spec a declared environment's service runs with, named {@code qualified}. */
  static ServiceSpec spec(String qualified, JournalEvent.EnvironmentService s) {
    RuntimeConfig c = s.config();
    JournalEvent.AppliedService a = s.applied();
    return new ServiceSpec(
        qualified,
        a.image(),
        a.replicas(),
        c.health(),
        c.route(),
        a.strategy(),
        a.progressDeadline(),
        c.env(),
        c.secrets(),
        c.volumes(),
        c.resources(),
        c.runtime(),
        a.autoscale(),
        c.network(),
        a.drift(),
        Location.UNKNOWN);
  }

  /** The environment a server-side service name belongs to, if any of {@code known}. */
  static Optional<String> environmentOf(String service, Set<String> known) {
    int at = service.indexOf(Environment.SEPARATOR);
    if (at <= 0) return Optional.empty();
    String env = service.substring(0, at);
    return known.contains(env) ? Optional.of(env) : Optional.empty();
  }

  private static boolean qualified(String service, Set<String> known) {
    return environmentOf(service, known).isPresent();
  }

  private static ServiceSpec renamed(ServiceSpec s, String name) {
    return new ServiceSpec(
        name,
        s.image(),
        s.replicas(),
        s.health(),
        s.route(),
        s.strategy(),
        s.progressDeadline(),
        s.env(),
        s.secrets(),
        s.volumes(),
        s.resources(),
        s.runtime(),
        s.autoscale(),
        s.network(),
        s.drift(),
        s.at());
  }
}
