package dev.kiln.server;

import dev.kiln.router.DrainReport;
import dev.kiln.router.RouteTable;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceRoute;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The data plane with one router listener per environment: the server's own router serves the
 * default environment (and any environment declared on its address), and each other environment
 * gets a router of its own on its {@code router:} address — a process of its own under {@code kiln
 * server}, like the default one, with its state in {@code $KILN_HOME/environments/NAME/router}. The
 * executor publishes one table; this splits it by the environment each service's name belongs to
 * ({@code staging--web} → staging's router), so the planners and the route builder stay unaware of
 * environments. Every router gets its share on every publish, an empty one included, so a service
 * that leaves an environment leaves its router.
 */
final class EnvironmentRouters implements DataPlane {
  /** Starts (or adopts) an environment's router listening on {@code address}. */
  @FunctionalInterface
  interface Factory {
    DataPlane start(String environment, InetSocketAddress address);
  }

  private final DataPlane main;
  private final Factory factory;
  private final Map<String, DataPlane> planes = new LinkedHashMap<>();
  private final List<Consumer<String>> wakeListeners = new CopyOnWriteArrayList<>();

  EnvironmentRouters(DataPlane main, Factory factory) {
    this.main = main;
    this.factory = factory;
  }

  /**
   * Makes sure environment {@code env}'s router listens on {@code address} (host:port): nothing if
   * it does, the server's own router if that is the address, else a router started now. A port that
   * cannot be bound fails here, before anything is journaled.
   */
  synchronized void ensure(String env, String address) {
    InetSocketAddress a = ServerConfig.address(address);
    if (a.equals(ServerConfig.address(main.address()))) {
      Optional.ofNullable(planes.remove(env)).ifPresent(EnvironmentRouters::stop);
      return;
    }
    DataPlane current = planes.get(env);
    if (current != null && a.equals(ServerConfig.address(current.address()))) return;
    DataPlane next;
    try {
      next = factory.start(env, a);
    } catch (RuntimeException e) {
      throw new ServerException.Conflict(
          "environment "
              + env
              + ": its router cannot listen on "
              + address
              + " ("
              + e.getMessage()
              + "); choose a free address in the blueprint's environments."
              + env
              + ".router");
    }
    wakeListeners.forEach(next::onWake);
    planes.put(env, next);
    if (current != null) stop(current);
  }

  /** Where environment {@code env}'s services are served, if it has a router of its own. */
  synchronized Optional<String> addressOf(String env) {
    return Optional.ofNullable(planes.get(env)).map(DataPlane::address);
  }

  private static void stop(DataPlane plane) {
    if (plane instanceof RemoteDataPlane remote) remote.terminate();
    plane.close();
  }

  private synchronized Map<String, DataPlane> snapshot() {
    return new LinkedHashMap<>(planes);
  }

  /** Every environment of the snapshot (and "") has its list from the start. */
  private static List<ServiceRoute> routes(Map<String, List<ServiceRoute>> byEnv, String env) {
    return Objects.requireNonNull(byEnv.get(env), env);
  }

  /** The router a service's routes go to: its environment's, else the server's own. */
  private static String environmentOf(String service, Map<String, DataPlane> planes) {
    int at = service.indexOf(dev.kiln.model.Environment.SEPARATOR);
    if (at <= 0) return "";
    String env = service.substring(0, at);
    return planes.containsKey(env) ? env : "";
  }

  @Override
  public CompletableFuture<DrainReport> publish(List<ServiceRoute> services) {
    Map<String, DataPlane> planes = snapshot();
    if (planes.isEmpty()) return main.publish(services);
    Map<String, List<ServiceRoute>> byEnv = new HashMap<>();
    byEnv.put("", new ArrayList<>());
    planes.keySet().forEach(env -> byEnv.put(env, new ArrayList<>()));
    for (ServiceRoute r : services) routes(byEnv, environmentOf(r.service(), planes)).add(r);
    CompletableFuture<DrainReport> first = main.publish(routes(byEnv, ""));
    List<CompletableFuture<DrainReport>> rest = new ArrayList<>();
    planes.forEach((env, plane) -> rest.add(plane.publish(routes(byEnv, env))));
    CompletableFuture<DrainReport> all = first;
    for (CompletableFuture<DrainReport> f : rest) {
      all =
          all.thenCombine(
              f,
              (a, b) -> {
                List<String> drained = new ArrayList<>(a.drained());
                drained.addAll(b.drained());
                List<String> cutOff = new ArrayList<>(a.cutOff());
                cutOff.addAll(b.cutOff());
                return new DrainReport(a.version(), drained, cutOff);
              });
    }
    return all;
  }

  @Override
  public RouteTable table() {
    List<ServiceRoute> services = new ArrayList<>(main.table().services());
    snapshot().values().forEach(p -> services.addAll(p.table().services()));
    return new RouteTable(main.table().version(), services);
  }

  @Override
  public RouterMetrics metrics() {
    RouterMetrics m = main.metrics();
    List<dev.kiln.router.ServiceMetrics> services = new ArrayList<>(m.services());
    long unrouted = m.unrouted();
    for (DataPlane p : snapshot().values()) {
      RouterMetrics pm = p.metrics();
      services.addAll(pm.services());
      unrouted += pm.unrouted();
    }
    return new RouterMetrics(m.tableVersion(), unrouted, services);
  }

  /**
   * The server's own router's metrics, and each environment router's under the same families with
   * {@code env="NAME"} (merged, not concatenated: the exposition format allows a family once).
   */
  @Override
  public String prometheus() {
    Map<String, DataPlane> planes = snapshot();
    if (planes.isEmpty()) return main.prometheus();
    Map<String, String> byEnv = new LinkedHashMap<>();
    planes.forEach((env, plane) -> byEnv.put(env, plane.prometheus()));
    return PrometheusMerge.merge(main.prometheus(), byEnv);
  }

  @Override
  public void onWake(Consumer<String> listener) {
    wakeListeners.add(listener);
    main.onWake(listener);
    snapshot().values().forEach(p -> p.onWake(listener));
  }

  @Override
  public Map<String, Integer> held() {
    Map<String, Integer> out = new HashMap<>(main.held());
    snapshot().values().forEach(p -> out.putAll(p.held()));
    return out;
  }

  @Override
  public String address() {
    return main.address();
  }

  @Override
  public synchronized void close() {
    closeEnvironments();
    main.close();
  }

  /** Lets go of the environments' routers (router processes keep serving, as the main one does). */
  synchronized void closeEnvironments() {
    planes.values().forEach(DataPlane::close);
  }

  /** Ends the environments' router processes (tests, benchmarks), as {@code stopRouter} does. */
  synchronized void terminateEnvironments() {
    for (DataPlane plane : planes.values()) {
      if (plane instanceof RemoteDataPlane remote) remote.terminateAndWait();
      plane.close();
    }
    planes.clear();
  }
}
