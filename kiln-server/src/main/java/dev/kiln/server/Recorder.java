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
 * The only way the server changes its state: append an entry to the journal (durably before the
 * change is acted on; a warm rollback's entries are written before its swap and synced right after
 * it, before anyone is told: {@link #appendAllBeforeActing}), then apply it to the {@link
 * ServerState} projection. Every {@value #CHECKPOINT_EVERY} entries the head hash is signed with
 * the host key.
 */
public final class Recorder {
  static final int CHECKPOINT_EVERY = 100;
  private static final Logger LOG = Logger.getLogger(Recorder.class.getName());

  private final Journal journal;
  private final ServerState state;
  private final HostKey key;
  private volatile java.util.function.Supplier<Set<String>> secrets = Set::of;
  private final java.util.List<java.util.function.Consumer<Entry>> appendedListeners =
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
    return appendAll(List.of(new Pending(actor, cause, event))).get(0);
  }

  /**
   * Calls {@code listener} with each entry once it is durable and applied, in seq order, on the
   * appending thread (under the append lock): it must only hand the entry on, never block.
   */
  void onAppend(java.util.function.Consumer<Entry> listener) {
    appendedListeners.add(listener);
  }

  /** Stops calling {@code listener}. */
  void removeOnAppend(java.util.function.Consumer<Entry> listener) {
    appendedListeners.remove(listener);
  }

  /** An entry to append: who, why, what. */
  public record Pending(String actor, String cause, JournalEvent event) {}

  /**
   * Appends {@code entries} durably in one transaction (all or none, one disk sync), then applies
   * them to the projection in order: for entries that complete each other, like a rollback's.
   */
  public synchronized List<Entry> appendAll(List<Pending> entries) {
    List<Entry> appended = apply(journal.appendAll(drafts(entries)));
    afterActing(appended, false);
    return appended;
  }

  /**
   * {@link #appendAll} for entries acted on at once: committed and applied when this returns, made
   * durable by {@link #afterActing}, which the caller runs right after acting (a rollback's swap)
   * and before it answers anyone ({@link Journal#appendAllSyncAfter}: the swap need not wait for
   * the disk). Signing and anchoring a due checkpoint (three more disk syncs) waits for it too.
   */
  synchronized List<Entry> appendAllBeforeActing(List<Pending> entries) {
    return apply(journal.appendAllSyncAfter(drafts(entries)));
  }

  /**
   * After acting on entries from {@link #appendAllBeforeActing}: syncs them to disk, then hands
   * them to the {@link #onAppend} listeners, checkpoints when one of them is an every-{@value
   * #CHECKPOINT_EVERY}th entry, and copies the journal's WAL into its database when that is due
   * ({@link Journal#tidyWal}).
   */
  void afterActing(List<Entry> appended) {
    afterActing(appended, true);
  }

  private void afterActing(List<Entry> appended, boolean sync) {
    if (sync) journal.sync();
    synchronized (this) {
      for (Entry e : appended) appendedListeners.forEach(l -> l.accept(e));
      journal.tidyWal();
      if (appended.stream().anyMatch(e -> e.seq() % CHECKPOINT_EVERY == 0)) checkpoint();
    }
  }

  private List<EntryDraft> drafts(List<Pending> entries) {
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
    return drafts;
  }

  private List<Entry> apply(List<Entry> appended) {
    for (Entry e : appended) state.apply(e);
    return appended;
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
