package dev.kiln.server;

/**
 * The {@link JournalEvent} kinds of TLS certificates a service is served with. This interface only
 * groups their records in a file of their own: {@link JournalEvent} extends it so that each stays
 * named {@code JournalEvent.Xxx}, and its {@code permits} list is the family.
 */
interface CertificateEvents {
  /**
   * {@code kiln apply} checked a service's {@code route.tls} and the router is to serve it: the
   * public certificate chain as the client sent it (public, so journaled whole: a restarted server
   * or a restored snapshot serves it again), its leaf's SHA-256 fingerprint and expiry, and the
   * <em>name</em> of the secret holding the key. The key itself is never journaled.
   */
  record CertificateInstalled(
      String service,
      String host,
      String certFile,
      String fingerprint,
      java.time.Instant notAfter,
      String certSubject,
      String chainPem,
      String keySecret,
      boolean redirect,
      boolean hsts)
      implements JournalEvent {
    public String kind() {
      return "certificate-installed";
    }

    public String subject() {
      return service;
    }
  }

  /**
   * The service no longer has a {@code route.tls} (or left the blueprint): no more HTTPS for it.
   */
  record CertificateRemoved(String service, String fingerprint) implements JournalEvent {
    public String kind() {
      return "certificate-removed";
    }

    public String subject() {
      return service;
    }
  }
}
