package dev.kiln.router;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The certificates the TLS listeners serve, chosen per connection by SNI. The whole set is one
 * immutable {@link Index} behind a volatile field: a swap or a file reload builds a new one and
 * replaces it with one write. Connections already open keep the engine they were given, so nothing
 * in flight is touched; new connections get the new certificate.
 *
 * <p>Everything is checked before it is installed ({@link CertificateCheck}): a bad certificate at
 * a swap refuses the swap, a bad file at a reload is recorded (metrics, status) and the old
 * certificate keeps serving.
 */
final class Certificates implements Mapping<String, SslContext> {
  /** One host's certificate as served. */
  record Served(
      String service,
      String host,
      TlsSite site,
      byte[] chainPem,
      CertificateCheck.Checked checked,
      SslContext context,
      Optional<String> lastError) {
    Served failed(String error) {
      return new Served(service, host, site, chainPem, checked, context, Optional.of(error));
    }
  }

  /** Lookup structure: exact hosts, suffix wildcards longest first, then the default. */
  record Index(
      Map<String, Served> exact,
      List<Served> suffixes,
      Optional<Served> fallback,
      List<Served> all) {
    static final Index EMPTY = new Index(Map.of(), List.of(), Optional.empty(), List.of());

    static Index of(List<Served> all) {
      Map<String, Served> exact = new HashMap<>();
      List<Served> suffixes = new ArrayList<>();
      Served any = null;
      for (Served s : all) {
        if (s.host.equals("*")) any = s;
        else if (s.host.startsWith("*.")) suffixes.add(s);
        else exact.put(s.host, s);
      }
      suffixes.sort(Comparator.comparingInt((Served s) -> s.host.length()).reversed());
      List<Served> sorted = new ArrayList<>(all);
      sorted.sort(Comparator.comparing(Served::host));
      // no SNI (an IP address, an old client): the catch-all route's certificate, else the first
      Optional<Served> fallback = Optional.ofNullable(any).or(() -> sorted.stream().findFirst());
      return new Index(Map.copyOf(exact), List.copyOf(suffixes), fallback, List.copyOf(sorted));
    }

    Optional<Served> lookup(String serverName) {
      if (serverName != null) {
        String name = serverName.toLowerCase(Locale.ROOT);
        Served s = exact.get(name);
        if (s != null) return Optional.of(s);
        for (Served w : suffixes) if (name.endsWith(w.host.substring(1))) return Optional.of(w);
      }
      return fallback;
    }
  }

  private final Clock clock;
  private final ApplicationProtocolConfig alpn;
  private volatile Index index = Index.EMPTY;
  final LongAdder reloads = new LongAdder();
  final LongAdder reloadFailures = new LongAdder();

  Certificates(Clock clock, ApplicationProtocolConfig alpn) {
    this.clock = clock;
    this.alpn = alpn;
  }

  @Override
  public @Nullable SslContext map(String serverName) {
    return index.lookup(serverName).map(Served::context).orElse(null);
  }

  /**
   * Loads and checks every certificate {@code table} names, reusing what is served already when
   * neither the file nor the key changed. Changes nothing.
   *
   * @throws RouterException naming the service and file of the first bad certificate
   */
  synchronized Index prepare(RouteTable table) {
    Map<String, Served> byHost = new HashMap<>();
    for (ServiceRoute s : table.services()) {
      if (s.tls().isEmpty()) continue;
      TlsSite site = s.tls().get();
      String host = s.route().host().toLowerCase(Locale.ROOT);
      Served other = byHost.get(host);
      if (other != null) {
        if (!other.site.certChain().equals(site.certChain())
            || !other.site.key().equals(site.key()))
          throw new RouterException(
              "route table v"
                  + table.version()
                  + ": services "
                  + other.service
                  + " and "
                  + s.service()
                  + " set different certificates for host "
                  + host
                  + " (a TLS handshake can only pick one per host)");
        continue;
      }
      String where = "service " + s.service() + ": certificate " + site.certChain();
      byte[] chain = read(where, site);
      Served current = currentFor(host);
      if (current == null || !current.site.equals(site)) {
        byHost.put(host, load(s.service(), host, site, chain)); // new or changed: must be good
      } else if (Arrays.equals(current.chainPem, chain)) {
        byHost.put(host, current);
      } else {
        // the file changed under a site already served: as a reload, the old one stays if bad
        try {
          byHost.put(host, load(s.service(), host, site, chain));
        } catch (RouterException e) {
          byHost.put(host, current.failed(e.getMessage()));
        }
      }
    }
    return Index.of(List.copyOf(byHost.values()));
  }

  synchronized void install(Index next) {
    index = next;
  }

  /**
   * Re-reads every certificate file; a changed, valid one replaces the served one, a changed,
   * invalid one is recorded and the old one keeps serving.
   */
  synchronized void reloadChangedFiles() {
    Index current = index;
    List<Served> next = new ArrayList<>();
    boolean changed = false;
    for (Served s : current.all) {
      String where = "service " + s.service + ": certificate " + s.site.certChain();
      Served n = s;
      try {
        byte[] chain = read(where, s.site);
        if (!Arrays.equals(chain, s.chainPem)) {
          n = load(s.service, s.host, s.site, chain);
          reloads.increment();
        }
      } catch (RouterException e) {
        if (!s.lastError.equals(Optional.of(e.getMessage()))) {
          reloadFailures.increment();
          System.err.println("kiln router: " + e.getMessage() + "; still serving the previous one");
        }
        n = s.failed(e.getMessage());
      }
      changed |= n != s;
      next.add(n);
    }
    if (changed) index = Index.of(next);
  }

  List<CertificateStatus> status() {
    return index.all.stream()
        .map(
            s ->
                new CertificateStatus(
                    s.service,
                    s.host,
                    s.site.certChain(),
                    s.checked.leaf().getSubjectX500Principal().getName(),
                    s.checked.notAfter(),
                    s.lastError))
        .toList();
  }

  /** Every certificate being served now. */
  List<Served> all() {
    return index.all;
  }

  boolean isEmpty() {
    return index.all.isEmpty();
  }

  Optional<Served> served(String serverName) {
    return index.lookup(serverName);
  }

  private @Nullable Served currentFor(String host) {
    for (Served s : index.all) if (s.host.equals(host)) return s;
    return null;
  }

  private Served load(String service, String host, TlsSite site, byte[] chain) {
    String where = "service " + service + ": certificate " + site.certChain();
    var checked = CertificateCheck.check(where, host, chain, site.key().bytes(), clock.instant());
    return new Served(
        service, host, site, chain, checked, TlsContexts.server(checked, alpn), Optional.empty());
  }

  private static byte[] read(String where, TlsSite site) {
    try {
      return Files.readAllBytes(site.certChain());
    } catch (IOException | RuntimeException e) {
      throw new RouterException(where + ": cannot read the file (" + e + ")", e);
    }
  }
}
