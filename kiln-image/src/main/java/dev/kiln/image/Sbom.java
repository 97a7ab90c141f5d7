package dev.kiln.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kiln.model.Digest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The image's software bill of materials: a CycloneDX 1.5 JSON document listing every regular file
 * of the final filesystem (path and sha256), the operating system (from os-release) and every
 * installed Debian package with its source package (what advisories name), attached to the image as
 * an OCI 1.1 artifact. Deterministic: sorted, the serial number derived from the image digest, the
 * timestamp taken from the image config, so the same image always gets the same SBOM.
 */
public final class Sbom {
  public static final String SPEC_VERSION = "1.5";

  private Sbom() {}

  /** Computes the SBOM of {@code manifest}, stores it and records it as a referrer of the image. */
  public static Descriptor attach(ImageStore store, Descriptor manifest) {
    byte[] bom = Json.bytes(document(store, manifest.digest()));
    Descriptor config =
        store.put(MediaTypes.EMPTY_CONFIG, ImageSigner.EMPTY_JSON.getBytes(StandardCharsets.UTF_8));
    Descriptor layer = store.put(MediaTypes.CYCLONEDX, bom);
    Descriptor subject =
        new Descriptor(MediaTypes.MANIFEST, manifest.digest(), store.size(manifest.digest()));
    ImageManifest artifact =
        new ImageManifest(
            config,
            List.of(layer),
            Map.of(),
            Optional.of(MediaTypes.CYCLONEDX),
            Optional.of(subject));
    Descriptor stored = store.putManifest(artifact);
    store.addReferrer(stored);
    return stored;
  }

  /** The CycloneDX document (exposed for tests and {@code kiln inspect -o json}). */
  public static ObjectNode document(ImageStore store, Digest manifestDigest) {
    ImageManifest manifest = store.manifest(manifestDigest);
    ImageConfig config = store.config(manifest);
    ImageFiles files = ImageFiles.read(store, manifest.layers(), DpkgDatabase::isDatabase);
    String distro = DpkgDatabase.distro(files);

    ObjectNode bom = Json.object();
    bom.put("bomFormat", "CycloneDX");
    bom.put("specVersion", SPEC_VERSION);
    bom.put(
        "serialNumber",
        "urn:uuid:"
            + UUID.nameUUIDFromBytes(manifestDigest.toString().getBytes(StandardCharsets.UTF_8)));
    bom.put("version", 1);
    ObjectNode metadata = bom.putObject("metadata");
    metadata.put("timestamp", config.created().toString());
    metadata
        .putObject("tools")
        .putArray("components")
        .addObject()
        .put("type", "application")
        .put("name", "kiln");
    ObjectNode image = metadata.putObject("component");
    image.put("type", "container");
    image.put("bom-ref", manifestDigest.toString());
    image.put("name", imageName(manifest, manifestDigest));
    image.put("version", manifestDigest.toString());

    ArrayNode components = bom.putArray("components");
    DpkgDatabase.operatingSystem(files)
        .ifPresent(
            os -> {
              // CycloneDX's own way to name the OS (as Syft writes it); the codename is Kiln's
              // property because the Debian Security Tracker keys releases by it.
              ObjectNode c = components.addObject();
              c.put("type", "operating-system");
              c.put("bom-ref", "os:" + os.id() + "@" + os.versionId());
              c.put("name", os.id());
              c.put("version", os.versionId());
              if (!os.codename().isEmpty())
                c.putArray("properties")
                    .addObject()
                    .put("name", "dev.kiln:os-codename")
                    .put("value", os.codename());
            });
    for (DpkgDatabase.Package p : DpkgDatabase.installed(files)) {
      ObjectNode c = components.addObject();
      String purl = p.purl(distro);
      c.put("type", "library");
      c.put("bom-ref", purl);
      c.put("name", p.name());
      c.put("version", p.version());
      c.put("purl", purl);
      ArrayNode properties = c.putArray("properties");
      properties.addObject().put("name", "dev.kiln:package-database").put("value", p.database());
      properties.addObject().put("name", "dev.kiln:dpkg-source").put("value", p.source());
      properties
          .addObject()
          .put("name", "dev.kiln:dpkg-source-version")
          .put("value", p.sourceVersion());
    }
    for (Map.Entry<String, ImageFiles.Node> f : files.files()) {
      ObjectNode c = components.addObject();
      c.put("type", "file");
      c.put("bom-ref", "file:" + f.getKey());
      c.put("name", f.getKey());
      c.putArray("hashes").addObject().put("alg", "SHA-256").put("content", f.getValue().sha256());
    }
    return bom;
  }

  private static String imageName(ImageManifest manifest, Digest digest) {
    for (String key : List.of("dev.kiln.image.name", "org.opencontainers.image.title")) {
      String v = manifest.annotations().get(key);
      if (v != null && !v.isBlank()) return v;
    }
    return digest.shortHex();
  }

  /** The summary of the image's SBOM; throws if it has none. */
  public static SbomSummary summary(ImageStore store, Digest manifest) {
    return find(store, manifest)
        .orElseThrow(
            () ->
                new ImageException(
                    "image " + manifest + " has no SBOM; bake it again to attach one"));
  }

  public static Optional<SbomSummary> find(ImageStore store, Digest manifest) {
    List<Descriptor> found = store.referrers(manifest, Optional.of(MediaTypes.CYCLONEDX));
    if (found.isEmpty()) return Optional.empty();
    Descriptor sbom = found.get(0);
    ImageManifest artifact = store.manifest(sbom.digest());
    JsonNode bom =
        Json.parse(store.read(artifact.layers().get(0).digest()), "SBOM " + sbom.digest());
    int fileCount = 0;
    int packageCount = 0;
    TreeSet<String> top = new TreeSet<>();
    for (JsonNode c : bom.path("components")) {
      String type = c.path("type").asText();
      if (type.equals("file")) {
        fileCount++;
        String name = c.path("name").asText();
        int slash = name.indexOf('/', 1);
        top.add(slash < 0 ? name.substring(1) : name.substring(1, slash));
      } else if (type.equals("library") || type.equals("application")) {
        packageCount++;
      }
    }
    return Optional.of(new SbomSummary(sbom, fileCount, packageCount, List.copyOf(top)));
  }
}
