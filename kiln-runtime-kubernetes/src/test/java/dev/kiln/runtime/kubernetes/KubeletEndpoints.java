package dev.kiln.runtime.kubernetes;

import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What fabric8's CRUD mock lacks for a kubelet: a real API server proxies {@code pods/NAME/log} to
 * the node's kubelet, and records a delete's {@code gracePeriodSeconds} on the pod. This dispatcher
 * answers the first from the kubelet stand-in and remembers the second for it; everything else goes
 * to the CRUD dispatcher.
 */
final class KubeletEndpoints extends Dispatcher {
  private static final Pattern LOG =
      Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)/log(\\?.*)?");
  private static final Pattern POD = Pattern.compile("/api/v1/namespaces/([^/]+)/pods/([^/?]+)");
  private static final Pattern GRACE = Pattern.compile("\"gracePeriodSeconds\"\\s*:\\s*(\\d+)");

  private final Dispatcher crud;
  private final Map<String, Long> deletionGrace = new ConcurrentHashMap<>();
  private volatile BiFunction<String, String, Optional<String>> logs =
      (namespace, pod) -> Optional.empty();

  KubeletEndpoints(Dispatcher crud) {
    this.crud = crud;
  }

  void serveLogsFrom(BiFunction<String, String, Optional<String>> logs) {
    this.logs = logs;
  }

  /** The grace period of the delete that marked this pod for deletion, as deletionGracePeriod. */
  Optional<Long> deletionGrace(String namespace, String pod) {
    return Optional.ofNullable(deletionGrace.get(namespace + "/" + pod));
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String path = request.getPath();
    Matcher log = LOG.matcher(path);
    if ("GET".equals(request.getMethod()) && log.matches()) {
      return logs.apply(log.group(1), log.group(2))
          .map(text -> new MockResponse().setResponseCode(200).setBody(text))
          .orElseGet(
              () ->
                  new MockResponse()
                      .setResponseCode(400)
                      .setBody("container \"app\" in pod " + log.group(2) + " is not started"));
    }
    Matcher pod = POD.matcher(path.split("\\?")[0]);
    if ("DELETE".equals(request.getMethod()) && pod.matches()) {
      Matcher grace = GRACE.matcher(Optional.ofNullable(request.getUtf8Body()).orElse(""));
      if (grace.find()) {
        deletionGrace.put(pod.group(1) + "/" + pod.group(2), Long.parseLong(grace.group(1)));
      }
    }
    return crud.dispatch(request);
  }
}
