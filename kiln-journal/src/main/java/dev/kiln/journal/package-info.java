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
 * <p>A <em>checkpoint</em> signs {@code (seq, hash(seq), time)} with the host's Ed25519 key and is
 * stored next to the entries. It pins the whole prefix up to {@code seq}.
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
 *   <li>entries removed from the end after a checkpoint covered them ({@code TRUNCATED});
 *   <li>a checkpoint that was forged, edited, or signed by another key ({@code
 *       BAD_CHECKPOINT_SIGNATURE}), and a whole rewritten chain (consistent hashes) under a
 *       checkpoint, whose signed hash then differs.
 * </ul>
 *
 * <h2>What it cannot prove</h2>
 *
 * <ul>
 *   <li>Anything about entries after the last checkpoint if someone rewrites or drops them together
 *       with their hashes: the chain is self-consistent again. Checkpoint often; ship exports off
 *       the host.
 *   <li>That checkpoints were not deleted: removing the checkpoints and then the tail is invisible
 *       to a verifier that only has {@code state.db}. An exported copy or an earlier checkpoint
 *       held elsewhere does detect it.
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
