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

  /**
   * Calls {@code listener} with the service's name each time the router holds a request for a
   * service without a backend (scaled to zero): the auto-scaler's wake, pushed. A data plane that
   * cannot push leaves it uncalled, and the scaler sees held requests through {@link #held()}.
   */
  default void onWake(java.util.function.Consumer<String> listener) {}

  /** Requests held right now per service (only services with some). */
  default java.util.Map<String, Integer> held() {
    return java.util.Map.of();
  }

  /** Where it listens, {@code host:port}. */
  String address();

  /** Where it listens for HTTPS, {@code host:port} each (none without {@code --router-tls}). */
  default List<String> tlsAddresses() {
    return List.of();
  }

  @Override
  void close();
}
