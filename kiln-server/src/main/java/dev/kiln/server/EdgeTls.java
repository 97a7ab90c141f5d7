package dev.kiln.server;

import dev.kiln.api.CertificateView;
import dev.kiln.blueprint.BlueprintException;
import dev.kiln.blueprint.Problem;
import dev.kiln.model.Blueprint;
import dev.kiln.model.Route;
import dev.kiln.model.ServiceSpec;
import dev.kiln.router.KeyPem;
import dev.kiln.router.RouterException;
import dev.kiln.router.ServiceRoute;
import dev.kiln.router.TlsCheck;
import dev.kiln.router.TlsSite;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * The router as an edge: each service's {@code route.tls} becomes the router's TLS site for its
 * host.
 *
 * <p>At {@code kiln apply} ({@link #check}) every certificate is checked as the router would check
 * it — with the key resolved from its secret here, on the server — and a bad one refuses the whole
 * apply at the {@code cert:} key, before anything is journaled: the certificate being served keeps
 * serving. What passes is journaled as {@link JournalEvent.CertificateInstalled}: the public chain,
 * its fingerprint and expiry, and only the <em>name</em> of the key's secret.
 *
 * <p>At each publish ({@link #attach}) the journaled chain is written once to {@code
 * router/tls/<sha256 of the chain>.pem} (content-addressed: a new certificate is a new file, so the
 * router's swap loads it for new connections while open ones keep theirs) and the key is read from
 * the secret again and handed to the router in memory. The key is never written by Kiln.
 */
final class EdgeTls {
  private static final Logger LOG = Logger.getLogger(EdgeTls.class.getName());

  private final ChainFiles files;
  private final Secrets secrets;
  private final Clock clock;

  /** Sites checked good at publish, with the expiry that bounds that verdict. */
  private final Map<TlsSite, Instant> goodUntil = new HashMap<>();

  /** The last site each service was published with, kept if its key later goes missing. */
  private final Map<String, TlsSite> lastGood = new HashMap<>();

  private final Set<String> warned = new TreeSet<>();

  EdgeTls(Path home, Secrets secrets, Clock clock) {
    this.files = new ChainFiles(home.resolve("router").resolve("tls"));
    this.secrets = secrets;
    this.clock = clock;
  }

  /**
   * Checks the certificate of every service with a {@code route.tls}: sent with the submission,
   * parseable, valid now, for the route's host, matching the key in its secret.
   *
   * @return the certificate each such service is to serve
   * @throws BlueprintException with every bad certificate, each at its {@code cert:} key
   */
  Map<String, JournalEvent.CertificateInstalled> check(Blueprint bp, Submission submission) {
    Map<String, JournalEvent.CertificateInstalled> out = new TreeMap<>();
    List<Problem> problems = new ArrayList<>();
    Instant now = clock.instant();
    for (ServiceSpec s : bp.services().values()) {
      if (s.route().isEmpty() || s.route().get().tls().isEmpty()) continue;
      Route route = s.route().get();
      Route.Tls tls = route.tls().get();
      String where = "service " + s.name() + ": certificate " + tls.cert();
      String pem = submission.certificates().get(tls.cert());
      if (pem == null) {
        problems.add(
            new Problem(
                tls.certAt(),
                where + ": its content was not sent with the blueprint",
                "apply with the kiln CLI, which reads the file next to the blueprint"));
        continue;
      }
      Optional<String> key;
      try {
        key = Optional.of(secret(s.name(), tls.keySecret()));
      } catch (ServerException e) {
        problems.add(new Problem(tls.certAt(), where + ": " + e.getMessage(), ""));
        continue;
      }
      try {
        TlsCheck.Facts facts =
            TlsCheck.check(
                where,
                route.host(),
                pem.getBytes(StandardCharsets.US_ASCII),
                KeyPem.of(key.get()),
                now);
        out.put(
            s.name(),
            new JournalEvent.CertificateInstalled(
                s.name(),
                route.host(),
                tls.cert(),
                facts.fingerprint(),
                facts.notAfter(),
                facts.subject(),
                pem,
                tls.keySecret(),
                tls.redirect(),
                tls.hsts()));
      } catch (RouterException e) {
        problems.add(new Problem(tls.certAt(), e.getMessage(), ""));
      }
    }
    if (!problems.isEmpty()) {
      problems.sort(Problem.BY_POSITION);
      throw new BlueprintException(problems);
    }
    return out;
  }

  /**
   * What the journal must say so that {@code current} becomes {@code wanted}: an install for each
   * new or changed certificate, a removal for each service that no longer has one. Pure.
   */
  static List<JournalEvent> changes(
      Map<String, JournalEvent.CertificateInstalled> wanted,
      Map<String, JournalEvent.CertificateInstalled> current) {
    List<JournalEvent> out = new ArrayList<>();
    for (var w : new TreeMap<>(wanted).values()) {
      if (!w.equals(current.get(w.service()))) out.add(w);
    }
    for (var c : new TreeMap<>(current).values()) {
      if (!wanted.containsKey(c.service()))
        out.add(new JournalEvent.CertificateRemoved(c.service(), c.fingerprint()));
    }
    return out;
  }

  /**
   * One certificate change an apply journaled, as {@code kiln apply} tells it: {@code installed}
   * (the service had none), {@code renewed} (it had another) or {@code removed}.
   *
   * @param notAfter the new certificate's expiry; empty for a removal
   */
  record CertificateChange(String service, String action, Optional<Instant> notAfter) {}

  /** The journaled {@link #changes} told as installed, renewed or removed. Pure. */
  static List<CertificateChange> described(
      List<JournalEvent> changes, Map<String, JournalEvent.CertificateInstalled> before) {
    List<CertificateChange> out = new ArrayList<>();
    for (JournalEvent e : changes) {
      switch (e) {
        case JournalEvent.CertificateInstalled c ->
            out.add(
                new CertificateChange(
                    c.service(),
                    before.containsKey(c.service()) ? "renewed" : "installed",
                    Optional.of(c.notAfter())));
        case JournalEvent.CertificateRemoved r ->
            out.add(new CertificateChange(r.service(), "removed", Optional.empty()));
        default -> throw new IllegalArgumentException("not a certificate change: " + e);
      }
    }
    return out;
  }

  /** The certificate changes of an apply, for its answer ({@code certificates[]}). */
  static List<dev.kiln.api.ApplyResponse.CertificateChange> changesView(
      List<CertificateChange> changes) {
    return changes.stream()
        .map(
            c ->
                new dev.kiln.api.ApplyResponse.CertificateChange(
                    c.service(), c.action(), c.notAfter().map(Object::toString).orElse(null)))
        .toList();
  }

  /**
   * The table with each service's installed certificate attached. A certificate the router could
   * not serve (its key secret gone or changed, the certificate expired since) leaves the service's
   * last good site in place, or none, with one warning: a publish never fails over TLS.
   */
  List<ServiceRoute> attach(
      List<ServiceRoute> table, Map<String, JournalEvent.CertificateInstalled> installed) {
    if (installed.isEmpty()) return table;
    List<ServiceRoute> out = new ArrayList<>(table.size());
    for (ServiceRoute r : table) {
      JournalEvent.CertificateInstalled c = installed.get(r.service());
      Optional<TlsSite> site = c == null ? Optional.empty() : site(c);
      out.add(site.map(r::withTls).orElse(r));
    }
    // verdicts only for what is served now: a renewed certificate's old site is not kept around
    Set<TlsSite> served = new java.util.HashSet<>();
    out.forEach(r -> r.tls().ifPresent(served::add));
    goodUntil.keySet().retainAll(served);
    lastGood.keySet().retainAll(installed.keySet());
    return out;
  }

  /** Secrets.values returns every name asked for, or throws naming the missing ones. */
  private String secret(String service, String name) {
    return Objects.requireNonNull(secrets.values(service, List.of(name)).get(name), name);
  }

  private Optional<TlsSite> site(JournalEvent.CertificateInstalled c) {
    try {
      Path chain = chainFile(c.chainPem());
      String key = secret(c.service(), c.keySecret());
      TlsSite site =
          new TlsSite(
              chain, KeyPem.of(key), c.redirect(), c.hsts() ? TlsSite.DEFAULT_HSTS_SECONDS : 0);
      Instant now = clock.instant();
      Instant until = goodUntil.get(site);
      if (until == null || !now.isBefore(until)) {
        String where = "service " + c.service() + ": certificate " + c.certFile();
        var facts =
            TlsCheck.check(
                where,
                c.host(),
                c.chainPem().getBytes(StandardCharsets.US_ASCII),
                KeyPem.of(key),
                now);
        goodUntil.put(site, facts.notAfter());
      }
      lastGood.put(c.service(), site);
      warned.remove(c.service());
      return Optional.of(site);
    } catch (RuntimeException e) {
      if (warned.add(c.service()))
        LOG.warning(
            "route.tls of "
                + c.service()
                + " cannot be served as installed ("
                + e.getMessage()
                + "); "
                + (lastGood.containsKey(c.service())
                    ? "the previous certificate keeps serving"
                    : "no certificate for it"));
      return Optional.ofNullable(lastGood.get(c.service()));
    }
  }

  /** Every installed certificate, for {@code kiln status}. */
  static List<CertificateView> view(
      Map<String, JournalEvent.CertificateInstalled> installed, Instant now) {
    return new TreeMap<>(installed).values().stream().map(c -> view(c, now)).toList();
  }

  /**
   * One certificate as {@code kiln status} shows it: whose, for which host, its expiry and days
   * left (negative once expired), and how the route treats plain HTTP.
   */
  static CertificateView view(JournalEvent.CertificateInstalled c, Instant now) {
    return new CertificateView(
        c.service(),
        c.host(),
        c.certFile(),
        c.certSubject(),
        c.fingerprint(),
        c.notAfter().toString(),
        Math.floorDiv(c.notAfter().getEpochSecond() - now.getEpochSecond(), 86400),
        c.redirect(),
        c.hsts());
  }

  /** The chain as a file the router reads (and watches), named by its content. */
  private Path chainFile(String pem) {
    return files.write(pem.getBytes(StandardCharsets.US_ASCII));
  }

  /** A table is on its way to the router: see {@link ChainFiles}. */
  long published(List<ServiceRoute> table) {
    return files.published(table);
  }

  /** The router swapped to that table: chain files no table it could serve names are removed. */
  void served(long ticket) {
    files.served(ticket);
  }

  /** The publish failed: every chain file stays. */
  void abandoned(long ticket) {
    files.abandoned(ticket);
  }
}
