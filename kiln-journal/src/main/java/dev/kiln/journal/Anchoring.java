package dev.kiln.journal;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where the journal's latest signed head is kept outside {@code state.db}: a {@code journal-head}
 * file beside it (in KILN_HOME), and optionally a copy in each witness folder, ideally on another
 * disk or host. A deleted checkpoint, or a tail truncated together with its checkpoints, is then
 * still named by the anchored head.
 *
 * @param head the anchor file, {@code $KILN_HOME/journal-head}
 * @param witnesses folders that each get a copy, {@code <witness>/journal-head}
 */
public record Anchoring(Path head, List<Path> witnesses) {
  public static final String FILE = "journal-head";

  /** The environment variable naming a witness folder (for the server and the CLI alike). */
  public static final String WITNESS_ENV = "KILN_JOURNAL_WITNESS";

  public Anchoring {
    head = head.toAbsolutePath();
    witnesses = witnesses.stream().map(Path::toAbsolutePath).toList();
  }

  /** {@code journal-head} in the same folder as the database, no witness. */
  public static Anchoring beside(Path db) {
    return new Anchoring(db.toAbsolutePath().resolveSibling(FILE), List.of());
  }

  /** Beside the database, plus the witness folder {@value #WITNESS_ENV} names, if set. */
  public static Anchoring beside(Path db, Map<String, String> environment) {
    Anchoring a = beside(db);
    String witness = environment.get(WITNESS_ENV);
    return witness == null || witness.isBlank() ? a : a.withWitness(Path.of(witness));
  }

  public Anchoring withWitness(Path folder) {
    List<Path> all = new ArrayList<>(witnesses);
    all.add(folder);
    return new Anchoring(head, all);
  }

  /** Every anchor file: the head first, then the witnesses' copies. */
  List<Path> files() {
    List<Path> all = new ArrayList<>(List.of(head));
    witnesses.forEach(w -> all.add(w.resolve(FILE)));
    return all;
  }
}
