package dev.kiln.journal;

import dev.kiln.model.Digest;
import java.time.Instant;

/**
 * One appended, immutable journal entry.
 *
 * @param seq 1, 2, 3... without gaps
 * @param body canonical JSON (sorted keys, no whitespace)
 * @param prevHash the previous entry's hash ({@code sha256:000...0} for the first)
 * @param hash sha256 over prevHash and the canonical entry (see the package documentation)
 */
public record Entry(
    long seq,
    Instant time,
    String actor,
    String kind,
    String subject,
    String cause,
    String body,
    Digest prevHash,
    Digest hash) {}
