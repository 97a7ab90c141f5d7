/**
 * The OCI layer and sandbox mechanics that baking, image tests and the process driver share, once,
 * with one set of security tests (Nomad's {@code drivers/shared}):
 *
 * <ul>
 *   <li>{@link dev.kiln.oci.LayerUnpacker}: untrusted layers onto a folder. OCI whiteouts (lower
 *       layers only), symlinks followed only inside the root, everything that escapes refused and
 *       named, streaming caps ({@link dev.kiln.oci.UnpackLimits}) against tar bombs, modes kept
 *       exactly as signed.
 *   <li>{@link dev.kiln.oci.Sandbox}: the one bubblewrap command line, shaped by a {@link
 *       dev.kiln.oci.Profile} (a bake's run step; an instance, which image tests use as is).
 *   <li>{@link dev.kiln.oci.Trees}: deleting trees without following symlinks.
 * </ul>
 *
 * <p>Depends on kiln-model and commons-compress only; kiln-image and kiln-runtime-process depend on
 * it, and on nothing of each other.
 */
package dev.kiln.oci;
