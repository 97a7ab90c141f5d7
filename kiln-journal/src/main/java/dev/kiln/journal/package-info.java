/**
 * The journal: an append-only, hash-chained log of every change Kiln makes, in {@code state.db}.
 *
 * <h2>The chain</h2>
 *
 * Each entry is appended <em>before</em> the change it records is acted on, in one {@code BEGIN
 * IMMEDIATE} transaction that reads the head and inserts the next entry, so concurrent writers
 * (threads or processes) always extend the chain one at a time. An entry's hash is
 *
 * <pre>
 *   hash(n) = sha256( hash(n-1) + "\n" + canonical(entry n) )     hash(0) = sha256:000...0
 *   canonical = {"actor":..,"body":{..},"cause":..,"kind":..,"seq":n,"subject":..,"time":".........Z"}
 * </pre>
 *
 * with sorted keys and no whitespace; the body is stored already in canonical form and hashed
 * verbatim, and the time comes from the injected clock in a fixed-width UTC format. Because each
 * hash covers the previous one, changing any entry changes every later hash.
 *
 * <p>A <em>checkpoint</em> signs {@code (seq, hash(seq), time, prev)} with the host's Ed25519 key
 * and is stored next to the entries. It pins the whole prefix up to {@code seq}. {@code prev} is
 * the <em>link</em> of the checkpoint before it (sha256 over that checkpoint's signed statement,
 * algorithm and signature), so checkpoints form a chain of their own: one verified signature, on
 * the newest, vouches for every earlier checkpoint, and a deleted or edited checkpoint breaks the
 * next one's link. Checkpoints written before chaining ({@code prev} NULL) are verified one by one.
 *
 * <h2>The anchored head</h2>
 *
 * After each checkpoint commits, it is also written to {@code journal-head} beside {@code state.db}
 * (temp file, fsync, atomic rename) and to each witness folder ({@code KILN_JOURNAL_WITNESS}). A
 * crash between the commit and the file leaves the anchor one checkpoint behind, which still
 * verifies (the newer checkpoint links to it) and is caught up by {@link
 * dev.kiln.journal.Journal#requireTrusted}. The anchor is what names a tail truncated together with
 * its checkpoints ("entries after N are missing; the anchored head is seq M"). A high-water mark of
 * handed-out seqs, kept in its own table and updated in the append's transaction, means a seq is
 * never handed out twice and names a deleted tail that no checkpoint covered yet.
 *
 * <h2>When it is verified</h2>
 *
 * The server calls {@code requireTrusted} before it replays anything, and refuses to start on a
 * journal that fails, naming the entry and how to proceed. {@code kiln audit verify --home DIR} (or
 * {@code --db FILE --key FILE}) runs the same {@link dev.kiln.journal.JournalVerifier} on a
 * read-only connection, without a server. Verification streams the rows once: every entry's hash is
 * recomputed at every start, because an entry edited below the last verified checkpoint is visible
 * only to a verifier that reads it; the checkpoints cost one signature check whatever their number.
 * A row whose values are not of the form the journal writes (a time without its nine fractional
 * digits, a body that is not a JSON object, a hash that is not a digest) is a located {@code
 * MALFORMED} break, checked before the row is turned into an {@link dev.kiln.journal.Entry}, so
 * replay never meets it.
 *
 * <h2>What {@code verify} proves</h2>
 *
 * Recomputing the chain from the stored rows detects, and names the first affected seq of:
 *
 * <ul>
 *   <li>an edited entry (any column): its hash no longer matches ({@code CHANGED});
 *   <li>an edited entry whose hash was recomputed too: the next entry's link no longer matches;
 *   <li>a deleted entry in the middle: a gap in seq ({@code MISSING});
 *   <li>entries moved to other positions: an intact entry that hashes correctly only under another
 *       seq ({@code REORDERED});
 *   <li>entries removed from the end that a checkpoint, the anchored head or the high-water mark
 *       covered ({@code TRUNCATED});
 *   <li>a checkpoint that was forged, edited, or signed by another key ({@code
 *       BAD_CHECKPOINT_SIGNATURE}), a deleted checkpoint ({@code CHECKPOINT_MISSING}), and a whole
 *       rewritten chain (consistent hashes) under a checkpoint, whose signed hash then differs;
 *   <li>a deleted or altered {@code journal-head} ({@code BAD_ANCHOR}).
 * </ul>
 *
 * <h2>What it cannot prove</h2>
 *
 * <ul>
 *   <li>Anything about entries after the last checkpoint if someone rewrites them together with
 *       their hashes, or drops them and sets the high-water mark back: the chain is self-consistent
 *       again. Verification warns about such unanchored entries; the server checkpoints every 100
 *       entries and at shutdown.
 *   <li>Anything against someone who can rewrite both {@code state.db} and every anchor (KILN_HOME
 *       and the witnesses): keep a witness on another disk or host.
 *   <li>Anything against whoever holds the host's private key: they can rewrite and re-sign all.
 *   <li>That an entry told the truth when it was written, or that the clock was right.
 * </ul>
 *
 * <p>The {@code journal} table also has triggers that refuse UPDATE and DELETE. They stop bugs, not
 * attackers; the chain is what makes tampering evident.
 *
 * <p>Secrets: an {@link dev.kiln.journal.EntryDraft} carries the secret values its author knows of;
 * the append is refused if any of them appears anywhere in the entry, because nothing that enters
 * the journal can ever be removed from it.
 */
package dev.kiln.journal;
