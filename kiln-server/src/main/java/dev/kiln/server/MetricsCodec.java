package dev.kiln.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.router.BackendMetrics;
import dev.kiln.router.DrainReport;
import dev.kiln.router.Latency;
import dev.kiln.router.LatencySnapshot;
import dev.kiln.router.RouterMetrics;
import dev.kiln.router.ServiceMetrics;
import dev.kiln.router.StatusCounts;
import dev.kiln.router.Traffic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Router metrics and drain reports as JSON, between the router process and the server. */
final class MetricsCodec {
  private MetricsCodec() {}

  static ObjectNode metrics(RouterMetrics m) {
    ObjectNode n = Json.object();
    n.put("tableVersion", m.tableVersion());
    n.put("unrouted", m.unrouted());
    ArrayNode services = n.putArray("services");
    for (ServiceMetrics s : m.services()) {
      ObjectNode sn = services.addObject();
      sn.put("service", s.service());
      sn.set("total", traffic(s.total()));
      ArrayNode backends = sn.putArray("backends");
      for (BackendMetrics b : s.backends()) {
        ObjectNode bn = backends.addObject();
        bn.put("id", b.id());
        bn.put("revision", b.revision());
        bn.set("traffic", traffic(b.traffic()));
        bn.put("connectFailures", b.connectFailures());
        bn.put("ejected", b.ejected());
        bn.put("draining", b.draining());
      }
    }
    return n;
  }

  static RouterMetrics metrics(JsonNode n) {
    List<ServiceMetrics> services = new ArrayList<>();
    for (JsonNode sn : n.get("services")) {
      List<BackendMetrics> backends = new ArrayList<>();
      for (JsonNode bn : sn.get("backends")) {
        backends.add(
            new BackendMetrics(
                bn.get("id").asText(),
                bn.get("revision").asText(),
                traffic(bn.get("traffic")),
                bn.get("connectFailures").asLong(),
                bn.get("ejected").asBoolean(),
                bn.get("draining").asBoolean()));
      }
      services.add(
          new ServiceMetrics(sn.get("service").asText(), traffic(sn.get("total")), backends));
    }
    return new RouterMetrics(n.get("tableVersion").asLong(), n.get("unrouted").asLong(), services);
  }

  private static ObjectNode traffic(Traffic t) {
    ObjectNode n = Json.object();
    n.put("requests", t.requests());
    ArrayNode s = n.putArray("statuses");
    s.add(t.statuses().s1xx())
        .add(t.statuses().s2xx())
        .add(t.statuses().s3xx())
        .add(t.statuses().s4xx())
        .add(t.statuses().s5xx());
    n.put("inFlight", t.inFlight());
    Latency l = t.latency();
    n.put("count", l.count());
    n.put("sumNanos", l.sum().toNanos());
    n.put("p50Nanos", l.p50().toNanos());
    n.put("p90Nanos", l.p90().toNanos());
    n.put("p99Nanos", l.p99().toNanos());
    // Sparse [upperBoundMicros, count, ...]: a few non-empty buckets of a few hundred, and the
    // bounds let the reader check they are its own (the server windows p99 with them).
    ArrayNode h = n.putArray("histogram");
    l.histogram().buckets().forEach((upper, count) -> h.add(upper).add(count));
    return n;
  }

  private static Traffic traffic(JsonNode n) {
    JsonNode s = n.get("statuses");
    return new Traffic(
        n.get("requests").asLong(),
        new StatusCounts(
            s.get(0).asLong(),
            s.get(1).asLong(),
            s.get(2).asLong(),
            s.get(3).asLong(),
            s.get(4).asLong()),
        n.get("inFlight").asLong(),
        new Latency(
            n.get("count").asLong(),
            Duration.ofNanos(n.get("sumNanos").asLong()),
            Duration.ofNanos(n.get("p50Nanos").asLong()),
            Duration.ofNanos(n.get("p90Nanos").asLong()),
            Duration.ofNanos(n.get("p99Nanos").asLong()),
            histogram(n.path("histogram"))));
  }

  /** An older router process sends no histogram: its windows then have no latency data. */
  private static LatencySnapshot histogram(JsonNode h) {
    Map<Long, Long> buckets = new TreeMap<>();
    for (int i = 0; i + 1 < h.size(); i += 2) {
      buckets.merge(h.get(i).asLong(), h.get(i + 1).asLong(), Long::sum);
    }
    try {
      return LatencySnapshot.ofBuckets(buckets);
    } catch (IllegalArgumentException e) {
      throw new ServerException.DataPlaneFailed("router process metrics: " + e.getMessage());
    }
  }

  static ObjectNode drain(DrainReport r) {
    ObjectNode n = Json.object();
    n.put("version", r.version());
    ArrayNode d = n.putArray("drained");
    r.drained().forEach(d::add);
    ArrayNode c = n.putArray("cutOff");
    r.cutOff().forEach(c::add);
    return n;
  }

  static DrainReport drain(JsonNode n) {
    List<String> drained = new ArrayList<>();
    n.get("drained").forEach(x -> drained.add(x.asText()));
    List<String> cut = new ArrayList<>();
    n.get("cutOff").forEach(x -> cut.add(x.asText()));
    return new DrainReport(n.get("version").asLong(), drained, cut);
  }
}
