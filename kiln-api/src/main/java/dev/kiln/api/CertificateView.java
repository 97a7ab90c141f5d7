package dev.kiln.api;

/**
 * A route certificate in use ({@code route.tls}), as {@code kiln status} shows it: whose, for which
 * host, its expiry and days left (negative once expired), and how the route treats plain HTTP.
 */
public record CertificateView(
    String service,
    String host,
    String cert,
    String subject,
    String fingerprint,
    String notAfter,
    long daysLeft,
    boolean redirect,
    boolean hsts) {}
