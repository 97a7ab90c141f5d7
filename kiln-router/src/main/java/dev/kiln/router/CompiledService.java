package dev.kiln.router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@link ServiceRoute} turned into arrays once per swap, so that choosing a backend walks arrays
 * and allocates nothing.
 */
final class CompiledService {
  final ServiceRoute route;
  final String name;
  final TrafficStats stats;
  final BackendPool all;
  final BackendPool[] revisions;
  final boolean sticky;

  /** Plain-HTTP requests get a 308 to HTTPS. */
  final boolean redirectToHttps;

  /** The Strict-Transport-Security value for HTTPS responses, or null. */
  final @Nullable String hsts; // the Strict-Transport-Security value, null without HSTS

  CompiledService(ServiceRoute route, TrafficStats stats, Map<Backend, BackendState> states) {
    this.route = route;
    this.name = route.service();
    this.stats = stats;
    this.sticky = route.split().mode() == Split.Mode.STICKY;
    this.redirectToHttps = route.tls().map(TlsSite::redirect).orElse(false);
    long maxAge = route.tls().map(TlsSite::hstsMaxAgeSeconds).orElse(0L);
    this.hsts = maxAge > 0 ? "max-age=" + maxAge : null;
    List<Backend> bs = route.backends();
    this.all = pool("*", bs, states);
    Map<String, List<Backend>> byRevision = new LinkedHashMap<>();
    for (Backend b : bs) byRevision.computeIfAbsent(b.revision(), r -> new ArrayList<>()).add(b);
    this.revisions = new BackendPool[byRevision.size()];
    int i = 0;
    for (var e : byRevision.entrySet()) revisions[i++] = pool(e.getKey(), e.getValue(), states);
  }

  private static BackendPool pool(
      String revision, List<Backend> bs, Map<Backend, BackendState> states) {
    BackendState[] s = new BackendState[bs.size()];
    int[] w = new int[bs.size()];
    for (int i = 0; i < s.length; i++) {
      s[i] = states.get(bs.get(i));
      w[i] = bs.get(i).weight();
    }
    return new BackendPool(revision, s, w);
  }

  @Nullable BackendPool revision(String revision) {
    for (BackendPool p : revisions) if (p.revision.equals(revision)) return p;
    return null;
  }
}
