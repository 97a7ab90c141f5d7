package dev.kiln.oci;

import java.io.IOException;

/**
 * A layer entry that would escape the root or break a limit. Checked (an {@link IOException}) so it
 * passes through stream code; {@link LayerUnpacker} turns it into an {@link OciException} naming
 * the layer and the entry.
 */
public final class EntryRefused extends IOException {
  public EntryRefused(String message) {
    super(message);
  }
}
