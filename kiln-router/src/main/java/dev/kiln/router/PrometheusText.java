package dev.kiln.router;

/** Renders {@link RouterMetrics} in the Prometheus text exposition format 0.0.4. */
public final class PrometheusText {
  private PrometheusText() {}

  public static String render(RouterMetrics m) {
    var out = new StringBuilder(4096);
    header(out, "kiln_router_table_version", "gauge", "Version of the route table being served.");
    out.append("kiln_router_table_version ").append(m.tableVersion()).append('\n');
    header(out, "kiln_router_unrouted_total", "counter", "Requests that matched no route (404).");
    out.append("kiln_router_unrouted_total ").append(m.unrouted()).append('\n');

    for (String level : new String[] {"service", "backend"}) {
      boolean svc = level.equals("service");
      String p = "kiln_router_" + level + "_";
      header(out, p + "requests_total", "counter", "Responses by status class, per " + level + ".");
      for (ServiceMetrics s : m.services()) {
        if (svc) statuses(out, p, labels(s.service()), s.total().statuses());
        else
          for (BackendMetrics b : s.backends())
            statuses(out, p, labels(s, b), b.traffic().statuses());
      }
      header(out, p + "in_flight", "gauge", "Requests in flight, per " + level + ".");
      for (ServiceMetrics s : m.services()) {
        if (svc) sample(out, p + "in_flight", labels(s.service()), s.total().inFlight());
        else
          for (BackendMetrics b : s.backends())
            sample(out, p + "in_flight", labels(s, b), b.traffic().inFlight());
      }
      header(
          out,
          p + "request_duration_seconds",
          "summary",
          "Latency, request head to last response byte.");
      for (ServiceMetrics s : m.services()) {
        if (svc) latency(out, p, labels(s.service()), s.total().latency());
        else
          for (BackendMetrics b : s.backends())
            latency(out, p, labels(s, b), b.traffic().latency());
      }
    }
    for (String level : new String[] {"service", "backend"}) {
      boolean svc = level.equals("service");
      String name = "kiln_router_" + level + "_request_latency_seconds";
      header(
          out,
          name,
          "histogram",
          "Latency, request head to last response byte, as a histogram that sums across routers.");
      for (ServiceMetrics s : m.services()) {
        if (svc) histogram(out, name, labels(s.service()), s.total().latency());
        else
          for (BackendMetrics b : s.backends())
            histogram(out, name, labels(s, b), b.traffic().latency());
      }
    }
    header(
        out,
        "kiln_router_backend_connect_failures_total",
        "counter",
        "Failed connections to a backend.");
    for (ServiceMetrics s : m.services()) {
      for (BackendMetrics b : s.backends()) {
        sample(
            out, "kiln_router_backend_connect_failures_total", labels(s, b), b.connectFailures());
      }
    }
    header(
        out,
        "kiln_router_backend_ejected",
        "gauge",
        "1 while a backend is ejected after connect failures.");
    for (ServiceMetrics s : m.services()) {
      for (BackendMetrics b : s.backends()) {
        sample(out, "kiln_router_backend_ejected", labels(s, b), b.ejected() ? 1 : 0);
      }
    }
    return out.toString();
  }

  /** The TLS part: days to each certificate's expiry, reloads and refused reloads. */
  public static String renderTls(
      java.util.List<CertificateStatus> certs,
      long reloads,
      long reloadFailures,
      java.time.Instant now) {
    if (certs.isEmpty() && reloads == 0 && reloadFailures == 0) return "";
    var out = new StringBuilder(512);
    header(
        out,
        "kiln_router_tls_certificate_expiry_days",
        "gauge",
        "Days until the served certificate expires (negative once expired).");
    for (CertificateStatus c : certs) {
      double days = (c.notAfter().getEpochSecond() - now.getEpochSecond()) / 86400.0;
      out.append("kiln_router_tls_certificate_expiry_days{")
          .append(labels(c.service()))
          .append(",host=\"")
          .append(escape(c.host()))
          .append("\"} ")
          .append(String.format(java.util.Locale.ROOT, "%.3f", days))
          .append('\n');
    }
    header(
        out,
        "kiln_router_tls_certificate_reload_failing",
        "gauge",
        "1 while the certificate file is refused and the previous certificate is served.");
    for (CertificateStatus c : certs) {
      out.append("kiln_router_tls_certificate_reload_failing{")
          .append(labels(c.service()))
          .append(",host=\"")
          .append(escape(c.host()))
          .append("\"} ")
          .append(c.lastError().isPresent() ? 1 : 0)
          .append('\n');
    }
    header(
        out, "kiln_router_tls_certificate_reloads_total", "counter", "Certificate files reloaded.");
    out.append("kiln_router_tls_certificate_reloads_total ").append(reloads).append('\n');
    header(
        out,
        "kiln_router_tls_certificate_reload_failures_total",
        "counter",
        "Changed certificate files refused (the previous certificate kept serving).");
    out.append("kiln_router_tls_certificate_reload_failures_total ")
        .append(reloadFailures)
        .append('\n');
    return out.toString();
  }

  private static void statuses(StringBuilder out, String prefix, String labels, StatusCounts c) {
    long[] v = {c.s1xx(), c.s2xx(), c.s3xx(), c.s4xx(), c.s5xx()};
    for (int i = 0; i < v.length; i++) {
      out.append(prefix)
          .append("requests_total{")
          .append(labels)
          .append(",code=\"")
          .append(i + 1)
          .append("xx\"} ")
          .append(v[i])
          .append('\n');
    }
  }

  private static void latency(StringBuilder out, String prefix, String labels, Latency l) {
    String name = prefix + "request_duration_seconds";
    quantile(out, name, labels, "0.5", l.p50());
    quantile(out, name, labels, "0.9", l.p90());
    quantile(out, name, labels, "0.99", l.p99());
    out.append(name)
        .append("_sum{")
        .append(labels)
        .append("} ")
        .append(seconds(l.sum()))
        .append('\n');
    out.append(name).append("_count{").append(labels).append("} ").append(l.count()).append('\n');
  }

  /**
   * Bucket bounds: powers of two from 64 µs to 16.8 s. They are bounds of the router's own
   * log-linear buckets, so the counts are exact, and every router process uses the same ones, so
   * {@code histogram_quantile} over {@code sum by (le)} aggregates them.
   */
  static final long[] HISTOGRAM_BOUNDS_MICROS = bounds();

  private static long[] bounds() {
    long[] b = new long[19];
    for (int i = 0; i < b.length; i++) b[i] = 64L << i;
    return b;
  }

  private static void histogram(StringBuilder out, String name, String labels, Latency l) {
    LatencySnapshot h = l.histogram();
    for (long bound : HISTOGRAM_BOUNDS_MICROS) {
      out.append(name)
          .append("_bucket{")
          .append(labels)
          .append(",le=\"")
          .append(bound / 1e6)
          .append("\"} ")
          .append(h.countBelow(bound))
          .append('\n');
    }
    out.append(name)
        .append("_bucket{")
        .append(labels)
        .append(",le=\"+Inf\"} ")
        .append(h.count())
        .append('\n');
    out.append(name)
        .append("_sum{")
        .append(labels)
        .append("} ")
        .append(seconds(l.sum()))
        .append('\n');
    out.append(name).append("_count{").append(labels).append("} ").append(h.count()).append('\n');
  }

  private static void quantile(
      StringBuilder out, String name, String labels, String q, java.time.Duration d) {
    out.append(name)
        .append('{')
        .append(labels)
        .append(",quantile=\"")
        .append(q)
        .append("\"} ")
        .append(seconds(d))
        .append('\n');
  }

  private static String seconds(java.time.Duration d) {
    return Double.toString(d.toNanos() / 1e9);
  }

  private static void sample(StringBuilder out, String name, String labels, long value) {
    out.append(name).append('{').append(labels).append("} ").append(value).append('\n');
  }

  private static void header(StringBuilder out, String name, String type, String help) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
  }

  private static String labels(String service) {
    return "service=\"" + escape(service) + "\"";
  }

  private static String labels(ServiceMetrics s, BackendMetrics b) {
    return labels(s.service())
        + ",backend=\""
        + escape(b.id())
        + "\",revision=\""
        + escape(b.revision())
        + "\"";
  }

  static String escape(String v) {
    return v.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
