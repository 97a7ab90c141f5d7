/**
 * Images: the OCI image store and everything that reads, writes, signs and describes images.
 *
 * <h2>The store side</h2>
 *
 * <ul>
 *   <li>{@link dev.kiln.image.ImageStore} is an OCI image layout on disk. Blobs become visible only
 *       whole (temp file, fsync, atomic move); {@code index.json} is rewritten atomically under a
 *       file lock and a tag is written only after the manifest it names; reads re-hash, so a
 *       corrupt blob is named instead of used. skopeo and docker (via {@code skopeo copy}) read it
 *       as is.
 *   <li>{@link dev.kiln.image.LayerUnpacker} applies untrusted layers to a folder. Names are
 *       checked lexically, parents are walked with lstat and never through a symlink, hard links
 *       must stay inside, content is capped: nothing lands outside the target.
 *   <li>{@link dev.kiln.image.BaseImporter} copies an image from an OCI layout or a docker archive,
 *       re-hashing every blob.
 *   <li>{@link dev.kiln.image.ImageSigner} and {@link dev.kiln.image.Sbom} attach OCI 1.1 artifacts
 *       (a signature, a CycloneDX SBOM) whose {@code subject} is the image. The layout has no
 *       referrers API, so, as oras does, they are listed in {@code index.json} without a ref name.
 *       Both are deterministic: the same image (and key) always gives the same artifacts.
 * </ul>
 *
 * <p>Dependencies: kiln-model, jackson-databind, commons-compress; the JDK for Ed25519 and gzip.
 */
package dev.kiln.image;
