/**
 * Reads {@code kiln.yaml} into the model's immutable records ({@link dev.kiln.model.Blueprint}).
 *
 * <p>The file is composed into a snakeyaml-engine node tree (never constructed into Java objects,
 * so a blueprint can only ever be data) in which every node knows its position. Readers walk that
 * tree with a fixed schema; each read either yields a value or records a {@link
 * dev.kiln.blueprint.Problem} with {@code file:line:column}, a message and a hint, and parsing goes
 * on. Only at the end, if anything was recorded, one {@link dev.kiln.blueprint.BlueprintException}
 * carries all problems, sorted by position, so the user fixes the whole file in one round. A record
 * is built only from values that passed their checks; since any problem rejects the whole
 * blueprint, a reader may fall back to a default after reporting, to keep finding the next
 * problems.
 *
 * <p>Checks that span the tree run outside the readers: {@code TreeCheck} (duplicate keys, which
 * YAML parsers otherwise resolve silently, and non-standard tags) and {@code References} (image
 * names used by services and {@code image:} bases, cycles between images).
 *
 * <p>No I/O beyond reading the file: whether copy sources exist is the baker's business; here they
 * are only checked lexically (relative, not escaping the blueprint's folder).
 */
package dev.kiln.blueprint;
