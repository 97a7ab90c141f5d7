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
 *   <li>Layers are applied to a folder by kiln-oci's {@code LayerUnpacker} ({@link
 *       dev.kiln.image.Unpacking}), the one the process driver uses too, and {@code run} steps and
 *       image tests run in kiln-oci's bubblewrap {@code Sandbox} ({@link
 *       dev.kiln.image.SandboxRun}); image tests in exactly an instance's profile, on the bake's
 *       build root, so each layer is unpacked once per bake.
 *   <li>{@link dev.kiln.image.SpecialFiles}: set-uid/set-gid bits and device nodes are stripped
 *       when a layer is written or imported ({@link dev.kiln.image.ImportedBase}), with a note, so
 *       the signed image is exactly what runs.
 *   <li>{@link dev.kiln.image.BaseImporter} copies an image from an OCI layout or a docker archive,
 *       re-hashing every blob.
 *   <li>{@link dev.kiln.image.ImageSigner} and {@link dev.kiln.image.Sbom} attach OCI 1.1 artifacts
 *       (a signature, a CycloneDX SBOM) whose {@code subject} is the image. The layout has no
 *       referrers API, so, as oras does, they are listed in {@code index.json} without a ref name.
 *       Both are deterministic: the same image (and key) always gives the same artifacts.
 * </ul>
 *
 * <p>Dependencies: kiln-model, kiln-oci, jackson-databind, commons-compress; the JDK for Ed25519
 * and gzip.
 */
package dev.kiln.image;
