package dev.kiln.server;

import dev.kiln.router.DrainReport;
import dev.kiln.router.RouteTable;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceRoute;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The router as the controller drives it: in this JVM, or a process of its own. */
interface DataPlane extends AutoCloseable {
  /**
   * Serves {@code services} from now on if they differ from the table being served; the future
   * completes when the backends that left have drained.
   */
  CompletableFuture<DrainReport> publish(List<ServiceRoute> services);

  RouteTable table();

  RouterMetrics metrics();

  String prometheus();

  /** Where it listens, {@code host:port}. */
  String address();

  @Override
  void close();
}
