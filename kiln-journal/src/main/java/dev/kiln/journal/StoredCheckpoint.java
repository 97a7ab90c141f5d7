package dev.kiln.journal;

/** A checkpoint row as stored (text columns), so that verification can name a mangled one. */
record StoredCheckpoint(long seq, String hash, String time, String algorithm, String signature) {}
