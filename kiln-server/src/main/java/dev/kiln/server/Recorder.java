package dev.kiln.server;

import dev.kiln.image.HostKey;
import dev.kiln.journal.Entry;
import dev.kiln.journal.EntryDraft;
import dev.kiln.journal.Journal;
import dev.kiln.journal.Query;
import dev.kiln.journal.Signer;
import java.util.List;
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
  private final java.util.List<java.util.function.Consumer<Entry>> appended =
      new java.util.concurrent.CopyOnWriteArrayList<>();

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

  /**
   * Appends {@code event} durably, then applies it to the projection: the only way the server
   * writes its journal. The body is the event's {@link EventCodec} form.
   */
  public synchronized Entry append(String actor, String cause, JournalEvent event) {
    Entry e =
        journal.append(
            new EntryDraft(
                    actor,
                    event.kind(),
                    event.subject(),
                    cause,
                    Json.write(EventCodec.encode(event)))
                .guarding(this.secrets.get()));
    state.apply(e);
    if (e.seq() % CHECKPOINT_EVERY == 0) checkpoint();
    journal.tidyWal(); // where SQLite's automatic checkpoint ran: right after the commit
    appended.forEach(l -> l.accept(e));
    return e;
  }

  /**
   * Calls {@code listener} with each entry once it is durable and applied, in seq order, on the
   * appending thread (under the append lock): it must only hand the entry on, never block.
   */
  void onAppend(java.util.function.Consumer<Entry> listener) {
    appended.add(listener);
  }

  /** Stops calling {@code listener}. */
  void removeOnAppend(java.util.function.Consumer<Entry> listener) {
    appended.remove(listener);
  }

  /** An entry to append: who, why, what. */
  public record Pending(String actor, String cause, JournalEvent event) {}

  /**
   * Appends {@code entries} durably in one transaction (all or none, one disk sync), then applies
   * them to the projection in order: for entries that complete each other, like a rollback's.
   */
  public synchronized List<Entry> appendAll(List<Pending> entries) {
    List<Entry> appended = appendAllBeforeActing(entries);
    checkpointIfDue(appended);
    return appended;
  }

  /**
   * {@link #appendAll} without the checkpoint the entries may be due for: the caller acts first,
   * then calls {@link #checkpointIfDue}. Signing and anchoring the head is three more disk syncs,
   * which a change already durable in the journal (a rollback's swap) need not wait for.
   */
  synchronized List<Entry> appendAllBeforeActing(List<Pending> entries) {
    Set<String> guarded = this.secrets.get();
    List<EntryDraft> drafts = new java.util.ArrayList<>();
    for (Pending p : entries) {
      drafts.add(
          new EntryDraft(
                  p.actor(),
                  p.event().kind(),
                  p.event().subject(),
                  p.cause(),
                  Json.write(EventCodec.encode(p.event())))
              .guarding(guarded));
    }
    List<Entry> appended = journal.appendAll(drafts);
    for (Entry e : appended) state.apply(e);
    return appended;
  }

  /**
   * Checkpoints when one of {@code appended} is an every-{@value #CHECKPOINT_EVERY}th entry, and
   * copies the journal's WAL into its database when that is due ({@link Journal#tidyWal}): both
   * after acting, off the way to a swap.
   */
  void checkpointIfDue(List<Entry> appended) {
    journal.tidyWal();
    if (appended.stream().anyMatch(e -> e.seq() % CHECKPOINT_EVERY == 0)) checkpoint();
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
