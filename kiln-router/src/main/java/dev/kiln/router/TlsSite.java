package dev.kiln.router;

import java.nio.file.Path;
import java.util.Objects;

/**
 * How the router terminates TLS for one route's host: the certificate chain file (re-read when it
 * changes), the private key (from a secret, held in memory only) and the per-route HTTP behaviour.
 *
 * @param certChain PEM file, leaf certificate first, then intermediates
 * @param key the PEM private key (PKCS#8, RSA or EC) matching the leaf certificate
 * @param redirect plain-HTTP requests for the route get a 308 to the same URL over HTTPS
 * @param hstsMaxAgeSeconds when > 0, HTTPS responses carry {@code Strict-Transport-Security:
 *     max-age=N}
 */
public record TlsSite(Path certChain, KeyPem key, boolean redirect, long hstsMaxAgeSeconds) {
  /** A year: what browsers' preload lists ask for. */
  public static final long DEFAULT_HSTS_SECONDS = 31_536_000L;

  public TlsSite {
    Objects.requireNonNull(certChain, "certChain");
    Objects.requireNonNull(key, "key");
    if (hstsMaxAgeSeconds < 0) throw new RouterException("tls: hsts max-age must be >= 0");
  }

  public static TlsSite of(Path certChain, KeyPem key) {
    return new TlsSite(certChain, key, false, 0);
  }
}
