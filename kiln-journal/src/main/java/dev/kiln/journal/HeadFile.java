package dev.kiln.journal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * A {@code journal-head} file: the latest checkpoint as one JSON object, replaced atomically (temp
 * file, fsync, rename, fsync of the folder), so a reader sees the old head or the new one, never
 * half of one.
 */
final class HeadFile {
  private static final long MAX_BYTES = 64 * 1024;

  private HeadFile() {}

  static void write(Path file, Checkpoint c) {
    StoredCheckpoint s = StoredCheckpoint.of(file.toString(), c);
    StringBuilder out = new StringBuilder("{\"algorithm\":");
    Canonical.string(s.algorithm(), out);
    out.append(",\"hash\":");
    Canonical.string(s.hash(), out);
    out.append(",\"prev\":");
    Canonical.string(s.prev().orElseThrow(), out);
    out.append(",\"seq\":").append(s.seq()).append(",\"signature\":");
    Canonical.string(s.signature(), out);
    out.append(",\"time\":");
    Canonical.string(s.time(), out);
    out.append(",\"type\":\"kiln.journal.head\"}\n");
    try {
      Path dir = file.toAbsolutePath().getParent();
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, "." + Anchoring.FILE + ".", ".tmp");
      try {
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
          ch.write(java.nio.ByteBuffer.wrap(out.toString().getBytes(StandardCharsets.UTF_8)));
          ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } finally {
        Files.deleteIfExists(tmp);
      }
      try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
        d.force(true); // the rename itself must survive a crash
      }
    } catch (IOException e) {
      throw new JournalException(
          "cannot write the journal's anchored head "
              + file
              + ": "
              + e.getMessage()
              + " (is the folder writable and the disk not full?)",
          e);
    }
  }

  /**
   * The checkpoint in {@code file}, if it exists; a file that is not a head is {@link
   * StoredCheckpoint.Malformed}.
   */
  static Optional<StoredCheckpoint> read(Path file) {
    String where = Anchoring.FILE + " " + file;
    JsonNode n;
    try {
      if (Files.size(file) > MAX_BYTES) {
        throw new StoredCheckpoint.Malformed(where + " is too large to be a journal head");
      }
      n = Canonical.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StoredCheckpoint.Malformed(where + " cannot be read: " + e.getMessage());
    }
    if (n == null || !n.isObject() || !"kiln.journal.head".equals(n.path("type").asText())) {
      throw new StoredCheckpoint.Malformed(where + " is not a journal head");
    }
    for (String field : new String[] {"seq", "hash", "time", "prev", "algorithm", "signature"}) {
      if (!n.hasNonNull(field) || !n.get(field).isValueNode()) {
        throw new StoredCheckpoint.Malformed(where + " has no " + field);
      }
    }
    return Optional.of(
        new StoredCheckpoint(
            where,
            n.get("seq").asText(),
            n.get("hash").asText(),
            n.get("time").asText(),
            n.get("algorithm").asText(),
            n.get("signature").asText(),
            Optional.of(n.get("prev").asText())));
  }
}
