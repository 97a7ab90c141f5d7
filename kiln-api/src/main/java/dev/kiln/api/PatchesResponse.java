package dev.kiln.api;

import java.util.List;

/** {@code POST /v1/patches}: the sequence numbers of the patch-started entries, in order. */
public record PatchesResponse(List<Long> seqs) {
  public PatchesResponse {
    seqs = List.copyOf(seqs);
  }
}
