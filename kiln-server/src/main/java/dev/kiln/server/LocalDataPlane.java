package dev.kiln.server;

import dev.kiln.router.DrainReport;
import dev.kiln.router.RouteTable;
import dev.kiln.router.Router;
import dev.kiln.router.RouterConfig;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceRoute;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The router in the server's JVM (what {@code kiln up} and the tests use), and the file its last
 * table is kept in. A table is swapped only when it differs from the one being served, and saved
 * after each swap. It dies with the server: see {@link RouterProcess} for the router that does not.
 */
final class LocalDataPlane implements DataPlane {
  private final Router router;
  private final Path tableFile;

  private LocalDataPlane(Router router, Path tableFile) {
    this.router = router;
    this.tableFile = tableFile;
  }

  static LocalDataPlane start(RouterConfig config, Path tableFile, RouteTable initial) {
    return new LocalDataPlane(Router.start(config, initial), tableFile);
  }

  @Override
  public synchronized CompletableFuture<DrainReport> publish(List<ServiceRoute> services) {
    RouteTable current = router.table();
    List<ServiceRoute> sorted = sort(services);
    if (sort(current.services()).equals(sorted)) {
      return CompletableFuture.completedFuture(
          new DrainReport(current.version(), List.of(), List.of()));
    }
    RouteTable next = new RouteTable(current.version() + 1, sorted);
    CompletableFuture<DrainReport> drained = router.swap(next);
    TableFile.write(tableFile, next);
    return drained;
  }

  static List<ServiceRoute> sort(List<ServiceRoute> services) {
    return services.stream().sorted(Comparator.comparing(ServiceRoute::service)).toList();
  }

  @Override
  public RouteTable table() {
    return router.table();
  }

  @Override
  public RouterMetrics metrics() {
    return router.metrics();
  }

  @Override
  public void onWake(java.util.function.Consumer<String> listener) {
    router.onWake(listener);
  }

  @Override
  public java.util.Map<String, Integer> held() {
    return router.heldRequests();
  }

  @Override
  public String prometheus() {
    return router.prometheus();
  }

  @Override
  public String address() {
    var a = router.addresses().get(0);
    return a.getHostString() + ":" + a.getPort();
  }

  @Override
  public List<String> tlsAddresses() {
    return router.tlsAddresses().stream().map(a -> a.getHostString() + ":" + a.getPort()).toList();
  }

  @Override
  public void close() {
    router.close();
  }
}
