package dev.kiln.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.image.HostKey;
import dev.kiln.journal.Entry;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Query;
import dev.kiln.journal.Signer;
import java.util.Set;
import java.util.logging.Logger;

/**
 * The only way the server changes its state: append an entry to the journal (durably, before the
 * change is acted on), then apply it to the {@link ServerState} projection. Every {@value
 * #CHECKPOINT_EVERY} entries the head hash is signed with the host key.
 */
public final class Recorder {
  static final int CHECKPOINT_EVERY = 100;
  private static final Logger LOG = Logger.getLogger(Recorder.class.getName());

  private final Journal journal;
  private final ServerState state;
  private final HostKey key;
  private volatile java.util.function.Supplier<Set<String>> secrets = Set::of;

  Recorder(Journal journal, ServerState state, HostKey key) {
    this.journal = journal;
    this.state = state;
    this.key = key;
  }

  /** Secret values to guard in every entry (those the server has handed to instances). */
  void guard(java.util.function.Supplier<Set<String>> values) {
    this.secrets = values;
  }

  /** Rebuilds the projection from every entry in the journal. */
  void replay() {
    for (Entry e : journal.entries(Query.all())) {
      try {
        state.apply(e);
      } catch (RuntimeException ex) {
        // A damaged entry is reported by `kiln audit verify`; the rest of the state still loads.
        LOG.warning(
            "journal entry "
                + e.seq()
                + " ("
                + e.kind()
                + ") cannot be replayed: "
                + ex.getMessage());
      }
    }
    LOG.info("state rebuilt from " + state.lastSeq() + " journal entries");
  }

  public Entry append(String actor, String kind, String subject, String cause, ObjectNode body) {
    return append(actor, kind, subject, cause, body, Set.of());
  }

  /** Appends with {@code secrets} guarded: the journal refuses a body that contains one. */
  public synchronized Entry append(
      String actor,
      String kind,
      String subject,
      String cause,
      ObjectNode body,
      Set<String> secrets) {
    Entry e =
        journal.append(
            new EntryDraft(actor, kind, subject, cause, Json.write(body), secrets)
                .guarding(this.secrets.get()));
    state.apply(e);
    if (e.seq() % CHECKPOINT_EVERY == 0) checkpoint();
    return e;
  }

  public synchronized void checkpoint() {
    if (journal.head().isEmpty()) return;
    journal.checkpoint(signer(key));
  }

  public Journal journal() {
    return journal;
  }

  static Signer signer(HostKey key) {
    return new Signer() {
      @Override
      public String algorithm() {
        return HostKey.ALGORITHM;
      }

      @Override
      public byte[] sign(byte[] message) {
        return key.sign(message);
      }
    };
  }
}
