package dev.kiln.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;

/**
 * {@code POST /v1/snapshots} ({@code kiln snapshot create}): paths absolute on the server's host
 * (the CLI resolves them where it runs); each part left out takes the server's default: {@code
 * kiln-<journalSeq>.snapshot} in {@code $KILN_HOME/snapshots}, 5 revisions kept, no volumes.
 */
public record SnapshotRequest(
    @JsonInclude(Include.NON_NULL) @Nullable String output,
    @JsonInclude(Include.NON_NULL) @Nullable String dir,
    @JsonInclude(Include.NON_NULL) @Nullable Integer keepRevisions,
    @JsonInclude(Include.NON_NULL) @Nullable Boolean volumes) {}
