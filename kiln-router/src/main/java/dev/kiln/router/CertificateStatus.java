package dev.kiln.router;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * One certificate the router serves, for {@code kiln status} and {@code /metrics}.
 *
 * @param lastError why the last reload of its file was refused (the certificate shown is still
 *     served), empty when the file and the served certificate agree
 */
public record CertificateStatus(
    String service,
    String host,
    Path certChain,
    String subject,
    Instant notAfter,
    Optional<String> lastError) {}
