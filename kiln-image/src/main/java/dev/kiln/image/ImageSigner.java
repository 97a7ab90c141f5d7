package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signs images with the host key and checks those signatures. A signature is an OCI 1.1 artifact
 * whose subject is the image manifest and whose one layer is a small JSON document: the manifest
 * digest, the key id and the Ed25519 signature of the digest's text ({@code sha256:…}). Ed25519 is
 * deterministic, so signing the same image with the same key always yields the same artifact.
 *
 * <p>Verifying also re-hashes the manifest, config and layers: a signature over a digest proves
 * nothing if the blobs on disk no longer match it.
 */
public final class ImageSigner {
  public static final String LAYER_TYPE = "application/vnd.dev.kiln.signature.payload.v1+json";
  public static final String EMPTY_JSON = "{}";

  private ImageSigner() {}

  public static Descriptor sign(ImageStore store, Descriptor manifest, HostKey key) {
    Digest digest = manifest.digest();
    ObjectNode payload = Json.object();
    payload.put("manifestDigest", digest.toString());
    payload.put("keyId", key.keyId());
    payload.put("algorithm", HostKey.ALGORITHM);
    payload.put("publicKey", Base64.getEncoder().encodeToString(key.publicKey().getEncoded()));
    payload.put("signature", Base64.getEncoder().encodeToString(key.sign(signedBytes(digest))));
    Descriptor config =
        store.put(MediaTypes.EMPTY_CONFIG, EMPTY_JSON.getBytes(StandardCharsets.UTF_8));
    Descriptor layer = store.put(LAYER_TYPE, Json.bytes(payload));
    Descriptor subject = new Descriptor(MediaTypes.MANIFEST, digest, store.size(digest));
    ImageManifest artifact =
        new ImageManifest(
            config,
            List.of(layer),
            Map.of("dev.kiln.signature.keyId", key.keyId()),
            Optional.of(MediaTypes.KILN_SIGNATURE),
            Optional.of(subject));
    Descriptor stored = store.putManifest(artifact);
    store.addReferrer(stored);
    return stored;
  }

  /** Whether {@code manifest} is signed by {@code trusted} and its blobs are intact. */
  public static Verification verify(ImageStore store, Digest manifest, PublicKey trusted) {
    try {
      if (!store.has(manifest))
        return Verification.failed("image " + manifest + " is not in the store", Optional.empty());
      ImageManifest m = store.manifest(manifest);
      store.verify(m.config().digest());
      for (Descriptor l : m.layers()) store.verify(l.digest());
    } catch (ImageException e) {
      return Verification.failed(e.getMessage(), Optional.empty());
    }
    return verifySignature(store, manifest, trusted);
  }

  /**
   * The signature check alone, without re-hashing the layers (for listings). The manifest itself is
   * still re-hashed when read.
   */
  public static Verification verifySignature(ImageStore store, Digest manifest, PublicKey trusted) {
    String trustedId = HostKey.keyId(trusted);
    List<String> problems = new ArrayList<>();
    Optional<String> signer = Optional.empty();
    for (Descriptor sig : store.referrers(manifest, Optional.of(MediaTypes.KILN_SIGNATURE))) {
      try {
        JsonNode payload = payload(store, sig);
        String keyId = payload.path("keyId").asText("?");
        signer = Optional.of(keyId);
        if (!payload.path("manifestDigest").asText().equals(manifest.toString())) {
          problems.add(
              "signature "
                  + sig.digest().shortHex()
                  + " is for another image ("
                  + payload.path("manifestDigest").asText()
                  + ")");
        } else if (!keyId.equals(trustedId)) {
          problems.add("signed by key " + keyId + ", not by the trusted key " + trustedId);
        } else if (!valid(trusted, manifest, payload.path("signature").asText())) {
          problems.add(
              "the signature by key "
                  + keyId
                  + " is invalid (the signature or the image was altered)");
        } else {
          return Verification.ok(keyId);
        }
      } catch (ImageException e) {
        problems.add(e.getMessage());
      }
    }
    if (problems.isEmpty()) {
      return Verification.failed(
          "image " + manifest + " is not signed; sign it by baking with a host key (kiln keygen)",
          Optional.empty());
    }
    return Verification.failed(String.join("; ", problems), signer);
  }

  /**
   * The key ids that claim to have signed {@code manifest}, unchecked (for display without a
   * trusted key).
   */
  public static List<String> signers(ImageStore store, Digest manifest) {
    List<String> out = new ArrayList<>();
    for (Descriptor sig : store.referrers(manifest, Optional.of(MediaTypes.KILN_SIGNATURE))) {
      try {
        out.add(payload(store, sig).path("keyId").asText("?"));
      } catch (ImageException e) {
        out.add("?");
      }
    }
    return out;
  }

  private static JsonNode payload(ImageStore store, Descriptor sig) {
    ImageManifest artifact = store.manifest(sig.digest());
    if (artifact.layers().size() != 1) {
      throw new ImageException(
          "signature " + sig.digest() + " has " + artifact.layers().size() + " layers, expected 1");
    }
    Digest layer = artifact.layers().get(0).digest();
    return Json.parse(store.read(layer), "signature payload " + layer);
  }

  private static boolean valid(PublicKey key, Digest manifest, String signatureBase64) {
    try {
      Signature s = Signature.getInstance(HostKey.ALGORITHM);
      s.initVerify(key);
      s.update(signedBytes(manifest));
      return s.verify(Base64.getDecoder().decode(signatureBase64));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }

  private static byte[] signedBytes(Digest manifest) {
    return manifest.toString().getBytes(StandardCharsets.UTF_8);
  }
}
