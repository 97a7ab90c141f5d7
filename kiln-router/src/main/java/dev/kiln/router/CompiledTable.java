package dev.kiln.router;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A {@link RouteTable} compiled for lookups: hosts in a hash map, path prefixes longest first.
 * Built once per swap; a request only reads it, so the whole table changes with one reference
 * write.
 */
final class CompiledTable {
  final RouteTable table;
  final List<CompiledService> services;
  private final Map<String, PathIndex> exactHosts;
  private final String[] suffixes; // "*.example" stored as ".example"
  private final PathIndex[] suffixIndexes;
  private final @Nullable PathIndex anyHost;

  CompiledTable(RouteTable table, List<CompiledService> services) {
    this.table = table;
    this.services = List.copyOf(services);
    Map<String, List<CompiledService>> exact = new HashMap<>();
    Map<String, List<CompiledService>> suffix = new HashMap<>();
    List<CompiledService> any = new ArrayList<>();
    for (CompiledService s : services) {
      String host = s.route.route().host().toLowerCase(Locale.ROOT);
      if (host.equals("*")) any.add(s);
      else if (host.startsWith("*."))
        suffix.computeIfAbsent(host.substring(1), h -> new ArrayList<>()).add(s);
      else exact.computeIfAbsent(host, h -> new ArrayList<>()).add(s);
    }
    this.exactHosts = new HashMap<>();
    exact.forEach((h, list) -> exactHosts.put(h, new PathIndex(list)));
    List<String> sfx = new ArrayList<>(suffix.keySet());
    sfx.sort(Comparator.comparingInt(String::length).reversed());
    this.suffixes = sfx.toArray(String[]::new);
    this.suffixIndexes = new PathIndex[suffixes.length];
    for (int i = 0; i < suffixes.length; i++)
      suffixIndexes[i] = new PathIndex(suffix.getOrDefault(suffixes[i], List.of()));
    this.anyHost = any.isEmpty() ? null : new PathIndex(any);
  }

  /** The service of that name, or null. */
  @Nullable CompiledService service(String name) {
    for (CompiledService s : services) if (s.name.equals(name)) return s;
    return null;
  }

  /** The service for a request, or null. {@code host} is the Host header (may carry a port). */
  @Nullable CompiledService match(@Nullable String hostHeader, String uri) {
    int pathStart = pathStart(uri);
    if (pathStart < 0) return null;
    String host = hostHeader == null ? "" : normalizeHost(hostHeader);
    PathIndex idx = exactHosts.get(host);
    CompiledService s = idx == null ? null : idx.match(uri, pathStart);
    if (s != null) return s;
    for (int i = 0; i < suffixes.length; i++) {
      if (host.endsWith(suffixes[i])) {
        s = suffixIndexes[i].match(uri, pathStart);
        if (s != null) return s;
      }
    }
    return anyHost == null ? null : anyHost.match(uri, pathStart);
  }

  private static int pathStart(String uri) {
    if (!uri.isEmpty() && uri.charAt(0) == '/') return 0;
    int scheme = uri.indexOf("://");
    if (scheme < 0) return -1; // "*" (OPTIONS) or garbage: no route
    int slash = uri.indexOf('/', scheme + 3);
    return slash < 0 ? -1 : slash;
  }

  static String normalizeHost(String h) {
    int end = h.length();
    if (h.startsWith("[")) {
      int close = h.indexOf(']');
      end = close < 0 ? end : close + 1;
    } else {
      int colon = h.indexOf(':');
      if (colon >= 0) end = colon;
    }
    boolean lower = true;
    for (int i = 0; i < end && lower; i++) {
      char c = h.charAt(i);
      if (c >= 'A' && c <= 'Z') lower = false;
    }
    String host = end == h.length() ? h : h.substring(0, end);
    return lower ? host : host.toLowerCase(Locale.ROOT);
  }

  /** The routes of one host, longest prefix first. */
  private static final class PathIndex {
    private final String[] prefixes;
    private final CompiledService[] services;

    PathIndex(List<CompiledService> list) {
      List<CompiledService> sorted = new ArrayList<>(list);
      sorted.sort(
          Comparator.comparingInt((CompiledService s) -> s.route.route().pathPrefix().length())
              .reversed());
      prefixes = new String[sorted.size()];
      services = new CompiledService[sorted.size()];
      for (int i = 0; i < prefixes.length; i++) {
        prefixes[i] = sorted.get(i).route.route().pathPrefix();
        services[i] = sorted.get(i);
      }
    }

    @Nullable CompiledService match(String uri, int from) {
      for (int i = 0; i < prefixes.length; i++) {
        String p = prefixes[i];
        if (uri.startsWith(p, from) && boundary(uri, from + p.length(), p)) return services[i];
      }
      return null;
    }

    private static boolean boundary(String uri, int end, String prefix) {
      if (end == uri.length() || prefix.charAt(prefix.length() - 1) == '/') return true;
      char c = uri.charAt(end);
      return c == '/' || c == '?' || c == '#';
    }
  }
}
