package dev.kiln.model;

import java.util.Objects;
import java.util.Optional;

/**
 * Which requests reach a service: a host ({@code *} for any) and a path prefix, and how the router
 * terminates TLS for that host, if it does.
 */
public record Route(String host, String pathPrefix, Optional<Tls> tls) {
  public Route {
    if (!pathPrefix.startsWith("/")) throw new IllegalArgumentException("path must start with /");
    Objects.requireNonNull(tls, "tls (use Optional.empty())");
  }

  /** A plain HTTP route. */
  public Route(String host, String pathPrefix) {
    this(host, pathPrefix, Optional.empty());
  }

  public Route withTls(Tls value) {
    return new Route(host, pathPrefix, Optional.of(value));
  }

  /**
   * TLS for a route's host ({@code route: { tls: { cert: ..., key: ... } }}).
   *
   * @param cert the PEM certificate chain (leaf first), a file path as written in the blueprint
   * @param keySecret the name of the secret holding the PEM private key: the key itself is never in
   *     a blueprint, an image, a log or the journal
   * @param redirect answer plain-HTTP requests for this route with a redirect to HTTPS
   * @param hsts send {@code Strict-Transport-Security} on HTTPS responses of this route
   * @param certAt where the {@code cert:} key was written, so that a certificate refused at apply
   *     is reported there; not part of the value (equality ignores it)
   */
  public record Tls(
      String cert, String keySecret, boolean redirect, boolean hsts, Location certAt) {
    public Tls {
      if (cert == null || cert.isBlank())
        throw new IllegalArgumentException("tls.cert must name a PEM certificate file");
      if (keySecret == null || keySecret.isBlank())
        throw new IllegalArgumentException("tls.key must name a secret holding the PEM key");
      Objects.requireNonNull(certAt, "certAt (use Location.UNKNOWN)");
    }

    public Tls(String cert, String keySecret, boolean redirect, boolean hsts) {
      this(cert, keySecret, redirect, hsts, Location.UNKNOWN);
    }

    // Moving the route to another line of the blueprint changes no route.
    @Override
    public boolean equals(Object o) {
      return o instanceof Tls t
          && cert.equals(t.cert)
          && keySecret.equals(t.keySecret)
          && redirect == t.redirect
          && hsts == t.hsts;
    }

    @Override
    public int hashCode() {
      return Objects.hash(cert, keySecret, redirect, hsts);
    }
  }
}
