package dev.kiln.router;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslEngine;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;

/**
 * OCSP stapling for the certificates the router serves: for each whose leaf names a responder (AIA)
 * and whose chain holds its issuer, a background thread fetches the responder's answer, keeps it
 * while it is current, and refreshes it halfway to its {@code nextUpdate} (or every {@code
 * -Dkiln.router.ocsp.refresh}, default an hour, when it has none). A handshake only reads the
 * answer already fetched ({@link #staple}): nothing on the event loop waits for a responder. A
 * failed fetch keeps the previous answer while it is current, and is retried a minute later.
 *
 * <p>Only with the OpenSSL engine (netty-tcnative BoringSSL), which is what staples; a revoked or
 * unknown status is logged and not stapled.
 */
final class OcspStapling implements AutoCloseable {
  /** Stapling needs the OpenSSL engine with OCSP support; the JDK's engine cannot staple here. */
  static boolean supported() {
    return TlsContexts.provider() == io.netty.handler.ssl.SslProvider.OPENSSL
        && OpenSsl.isOcspSupported();
  }

  private record Stapled(byte[] response, Instant refreshAt, Optional<Instant> expires) {}

  private final Supplier<Iterable<Certificates.Served>> served;
  private final Clock clock;
  private final Duration refresh;
  private final Map<SslContext, Stapled> answers = new ConcurrentHashMap<>();
  private final Map<SslContext, Instant> retryAt = new ConcurrentHashMap<>();
  private final Map<SslContext, String> lastProblem = new ConcurrentHashMap<>();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private final ScheduledExecutorService thread =
      Executors.newSingleThreadScheduledExecutor(
          new DefaultThreadFactory("kiln-router-ocsp", true));

  OcspStapling(Supplier<Iterable<Certificates.Served>> served, Clock clock) {
    this.served = served;
    this.clock = clock;
    this.refresh =
        Duration.parse(System.getProperty("kiln.router.ocsp.refresh", Duration.ofHours(1) + ""));
    // new certificates are looked at within a second; a responder is asked only when due
    thread.scheduleWithFixedDelay(this::refreshDue, 0, 1, TimeUnit.SECONDS);
  }

  /** Gives a new server engine the answer fetched for its certificate, if there is one. */
  void staple(SslContext context, SSLEngine engine) {
    Stapled s = answers.get(context);
    if (s == null || !(engine instanceof ReferenceCountedOpenSslEngine e)) return;
    if (s.expires.isPresent() && !clock.instant().isBefore(s.expires.get())) return;
    e.setOcspResponse(s.response);
  }

  /** The stapled answer for a context, for tests and status. */
  Optional<byte[]> answer(SslContext context) {
    return Optional.ofNullable(answers.get(context)).map(Stapled::response);
  }

  private void refreshDue() {
    try {
      Instant now = clock.instant();
      java.util.Set<SslContext> live =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (Certificates.Served s : served.get()) {
        live.add(s.context());
        Stapled have = answers.get(s.context());
        if (have != null && now.isBefore(have.refreshAt)) continue;
        Instant retry = retryAt.get(s.context());
        if (retry != null && now.isBefore(retry)) continue;
        fetch(s, now);
      }
      answers.keySet().retainAll(live);
      retryAt.keySet().retainAll(live);
      lastProblem.keySet().retainAll(live);
    } catch (RuntimeException e) {
      System.err.println("kiln router: OCSP refresh: " + e);
    }
  }

  private void fetch(Certificates.Served s, Instant now) {
    var chain = s.checked().chain();
    X509Certificate leaf = chain.get(0);
    Optional<URI> responder = Ocsp.responder(leaf);
    if (responder.isEmpty() || chain.size() < 2) {
      retryAt.put(s.context(), Instant.MAX); // nothing to staple for this certificate
      return;
    }
    try {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(responder.get())
                  .timeout(Duration.ofSeconds(10))
                  .header("Content-Type", "application/ocsp-request")
                  .header("Accept", "application/ocsp-response")
                  .POST(HttpRequest.BodyPublishers.ofByteArray(Ocsp.request(leaf, chain.get(1))))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200)
        throw new RouterException("OCSP responder answered HTTP " + r.statusCode());
      Ocsp.Answer answer = Ocsp.parse(r.body(), leaf.getSerialNumber());
      if (answer.status() != Ocsp.CertStatus.GOOD)
        throw new RouterException("OCSP responder says the certificate is " + answer.status());
      Instant refreshAt =
          answer
              .nextUpdate()
              .map(n -> now.plus(Duration.between(now, n).dividedBy(2)))
              .filter(t -> t.isBefore(now.plus(refresh)))
              .orElse(now.plus(refresh));
      answers.put(s.context(), new Stapled(r.body(), refreshAt, answer.nextUpdate()));
      retryAt.remove(s.context());
      lastProblem.remove(s.context());
    } catch (Exception e) {
      if (e instanceof InterruptedException) Thread.currentThread().interrupt();
      retryAt.put(s.context(), now.plus(Duration.ofMinutes(1)));
      String problem = e.getMessage();
      if (!String.valueOf(problem).equals(lastProblem.put(s.context(), String.valueOf(problem))))
        System.err.println(
            "kiln router: OCSP for "
                + s.host()
                + " ("
                + responder.get()
                + "): "
                + problem
                + (answers.containsKey(s.context())
                    ? "; stapling the previous answer while it is current"
                    : "; not stapling"));
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
