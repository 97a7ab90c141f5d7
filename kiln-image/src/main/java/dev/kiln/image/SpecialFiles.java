package dev.kiln.image;

import java.util.ArrayList;
import java.util.List;

/**
 * One rule for set-uid/set-gid bits and device nodes, applied at bake so the signed image is
 * exactly what runs: when a layer is written (copy and run steps, Debian bases) or imported ({@code
 * oci:} and {@code docker-archive:} bases), set-uid and set-gid are stripped from regular files and
 * device nodes, fifos and sockets are dropped, each with a note in the bake output naming the
 * files. Instances run with no-new-privileges and a private {@code /dev}, so neither would do
 * anything at run time; stripping them at bake means the unpacker can keep every mode exactly as
 * signed instead of silently changing what the signature covers. (Set-gid on a folder only makes
 * new files inherit its group, no privilege: folders keep it.)
 */
final class SpecialFiles {
  static final int SET_ID = 06000;
  private static final int NAMED = 8;

  private SpecialFiles() {}

  /** A regular file's mode as a layer may carry it. */
  static int fileMode(int mode) {
    return mode & ~SET_ID;
  }

  /** The paths of regular-file entries whose set-uid/set-gid bits {@link LayerWriter} strips. */
  static List<String> setId(List<LayerEntry> entries) {
    List<String> out = new ArrayList<>();
    for (LayerEntry e : entries) {
      int mode =
          switch (e) {
            case LayerEntry.File f -> f.mode();
            case LayerEntry.Bytes b -> b.mode();
            default -> 0;
          };
      if ((mode & SET_ID) != 0) out.add(e.path());
    }
    return out;
  }

  /** The bake output's note, or empty when nothing was stripped or dropped. */
  static String note(List<String> stripped, List<String> dropped) {
    List<String> parts = new ArrayList<>();
    if (!stripped.isEmpty()) parts.add("stripped set-uid/set-gid from " + named(stripped));
    if (!dropped.isEmpty()) parts.add("dropped device nodes, fifos and sockets " + named(dropped));
    if (parts.isEmpty()) return "";
    return String.join("; ", parts)
        + " (instances run with no-new-privileges and a private /dev; the signed image is what"
        + " runs)";
  }

  private static String named(List<String> paths) {
    List<String> sorted = paths.stream().sorted().toList();
    String shown = String.join(", ", sorted.subList(0, Math.min(NAMED, sorted.size())));
    return sorted.size() > NAMED ? shown + " and " + (sorted.size() - NAMED) + " more" : shown;
  }
}
