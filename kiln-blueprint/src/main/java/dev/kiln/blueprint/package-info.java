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
 * <p>Bounds before work ({@code BlueprintLimits}): the file's type and size are checked before it
 * is read, its length before it is parsed, and nesting while it is parsed, so no input costs more
 * than reading 3 MiB. Then, for a blueprint read from a file, {@link
 * dev.kiln.blueprint.BlueprintFolder} checks what the baker would refuse before any work (copy
 * sources missing or leaving the folder through a symlink, bases that are not there, dests that
 * leave the image root), with the position of the offending value; the baker applies the same
 * rules, so {@code kiln validate} and {@code kiln bake} refuse the same blueprints. Nothing is read
 * beyond the file itself and the metadata of the paths it names.
 */
package dev.kiln.blueprint;
