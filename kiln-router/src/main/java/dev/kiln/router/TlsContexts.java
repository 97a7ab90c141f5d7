package dev.kiln.router;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Server {@link SslContext}s with one policy: TLS 1.2 and 1.3 only, forward-secret AEAD suites only
 * (Mozilla's "intermediate" list), and the OpenSSL engine (netty-tcnative BoringSSL) when it
 * loaded, the JDK's otherwise. {@code -Dkiln.router.tls.provider=jdk|openssl} forces one, for
 * measuring.
 */
final class TlsContexts {
  private TlsContexts() {}

  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** TLS 1.3 suites, then ECDHE with AES-GCM or ChaCha20-Poly1305 for TLS 1.2. */
  static final List<String> CIPHERS =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  static SslProvider provider() {
    String forced = System.getProperty("kiln.router.tls.provider", "");
    if (forced.equalsIgnoreCase("jdk")) return SslProvider.JDK;
    if (forced.equalsIgnoreCase("openssl")) {
      if (!OpenSsl.isAvailable()) {
        throw new RouterException(
            "router: -Dkiln.router.tls.provider=openssl but netty-tcnative did not load ("
                + OpenSsl.unavailabilityCause()
                + ")");
      }
      return SslProvider.OPENSSL;
    }
    return OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  static SslContext server(CertificateCheck.Checked c, ApplicationProtocolConfig alpn) {
    try {
      var b =
          SslContextBuilder.forServer(
                  c.key(), c.chain().toArray(java.security.cert.X509Certificate[]::new))
              .sslProvider(provider())
              .protocols(PROTOCOLS)
              .ciphers(CIPHERS, SupportedCipherSuiteFilter.INSTANCE);
      if (alpn != null) b.applicationProtocolConfig(alpn);
      // lets OcspStapling hand each new engine the responder's answer (BoringSSL only)
      if (OcspStapling.supported()) b.enableOcsp(true);
      return b.build();
    } catch (SSLException | RuntimeException e) {
      throw new RouterException("router: cannot build a TLS context: " + e.getMessage(), e);
    }
  }
}
