package dev.kiln.runtime.kubernetes;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.RuntimeDrivers;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;

/**
 * fabric8's mock API server in CRUD mode with a {@link KubeletStandIn} as its one node: the
 * Kubernetes API's shape, end to end, without a real cluster.
 */
final class MockCluster implements AutoCloseable {
  // held, so that the setting is not collected with the logger: one line per request is noise
  private static final java.util.logging.Logger MOCK_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final KubernetesMockServer server;
  private final KubernetesClient client;
  private final KubeletStandIn kubelet;
  private volatile ImageSource images =
      digest -> {
        throw new IllegalStateException("no image source yet");
      };

  /**
   * @param nodeHome the process runtime's home on the stand-in node (its rootfs and volumes)
   */
  MockCluster(Path nodeHome) {
    var responses =
        new HashMap<
            io.fabric8.mockwebserver.ServerRequest,
            java.util.Queue<io.fabric8.mockwebserver.ServerResponse>>();
    KubeletEndpoints endpoints = new KubeletEndpoints(new KubernetesMixedDispatcher(responses));
    server =
        new KubernetesMockServer(new Context(), new MockWebServer(), responses, endpoints, false);
    server.init();
    client = server.createClient();
    var node =
        RuntimeDrivers.create(
            "process",
            new DriverContext(
                nodeHome,
                Clock.systemUTC(),
                d -> images.open(d),
                // the stand-in kubelet reports pods at 127.0.0.1: host network, as its pods had
                Map.of("sandbox", "bwrap", "isolation", "none")));
    kubelet = new KubeletStandIn(client, node, endpoints);
  }

  /** Where the node (and the driver under test) get image content from. */
  void useImages(ImageSource images) {
    this.images = images;
  }

  String apiServer() {
    return server.url("/").toString();
  }

  KubernetesClient client() {
    return client;
  }

  /** Driver options pointing at this cluster. */
  Map<String, String> options(String namespace) {
    return Map.of(
        "api-server", apiServer(),
        "namespace", namespace,
        "registry", "registry.test:5000/kiln",
        "stop-grace-seconds", "2",
        "start-timeout-seconds", "60");
  }

  @Override
  public void close() {
    kubelet.close();
    client.close();
    server.destroy();
  }
}
