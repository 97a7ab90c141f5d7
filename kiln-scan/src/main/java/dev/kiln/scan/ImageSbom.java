package dev.kiln.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.image.Descriptor;
import dev.kiln.image.ImageManifest;
import dev.kiln.image.ImageStore;
import dev.kiln.image.MediaTypes;
import dev.kiln.model.Digest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What a scan needs of an image's CycloneDX SBOM: its Debian release and its dpkg packages with
 * their source packages. Kiln's SBOMs carry the source as the properties {@code
 * dev.kiln:dpkg-source} and {@code dev.kiln:dpkg-source-version} and the release as an {@code
 * operating-system} component; SBOMs from elsewhere (Syft) are understood through the purl
 * qualifiers {@code upstream} and {@code distro}. Without any of them the binary name stands for
 * the source.
 *
 * @param image what to call the image in reports (its name, or the digest)
 * @param os empty when the SBOM names no release: the caller must choose one ({@code --release})
 * @param warnings packages left out (a version that is no Debian version)
 */
public record ImageSbom(
    String image,
    Optional<Digest> digest,
    Optional<OsRelease> os,
    List<InstalledPackage> packages,
    List<ScanWarning> warnings) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public ImageSbom {
    packages = List.copyOf(packages);
    warnings = List.copyOf(warnings);
  }

  /** One installed binary package and the source package it was built from. */
  public record InstalledPackage(
      String name, DebianVersion version, String source, DebianVersion sourceVersion) {}

  public ImageSbom withRelease(OsRelease release) {
    return new ImageSbom(image, digest, Optional.of(release), packages, warnings);
  }

  /** The SBOM that Kiln attached to image {@code manifest} in {@code store}. */
  public static ImageSbom read(ImageStore store, String image, Digest manifest) {
    List<Descriptor> found = store.referrers(manifest, Optional.of(MediaTypes.CYCLONEDX));
    if (found.isEmpty())
      throw new ScanException(
          "image " + image + " (" + manifest + ") has no SBOM; bake it again to attach one");
    ImageManifest artifact = store.manifest(found.get(0).digest());
    byte[] bom = store.read(artifact.layers().get(0).digest());
    try {
      return parse(image, Optional.of(manifest), JSON.readTree(bom));
    } catch (IOException e) {
      throw new ScanException("the SBOM of image " + image + " is not JSON: " + e.getMessage());
    }
  }

  /** Reads a CycloneDX document. */
  public static ImageSbom parse(String image, Optional<Digest> digest, JsonNode bom) {
    List<InstalledPackage> packages = new ArrayList<>();
    List<ScanWarning> warnings = new ArrayList<>();
    Optional<OsRelease> os = Optional.empty();
    JsonNode components = bom.path("components");
    for (int i = 0; i < components.size(); i++) {
      JsonNode c = components.get(i);
      String type = c.path("type").asText();
      if (type.equals("operating-system")) {
        os =
            Optional.of(
                new OsRelease(
                    c.path("name").asText(""),
                    c.path("version").asText(""),
                    property(c, "dev.kiln:os-codename").orElse("")));
        continue;
      }
      String purl = c.path("purl").asText("");
      if (!purl.startsWith("pkg:deb/")) continue;
      String path = "$.components[" + i + "]";
      String name = c.path("name").asText("");
      String version = c.path("version").asText("");
      Optional<String> upstream = qualifier(purl, "upstream");
      String source =
          property(c, "dev.kiln:dpkg-source")
              .or(() -> upstream.map(u -> u.contains("@") ? u.substring(0, u.indexOf('@')) : u))
              .orElse(name);
      String sourceVersion =
          property(c, "dev.kiln:dpkg-source-version")
              .or(
                  () ->
                      upstream
                          .filter(u -> u.contains("@"))
                          .map(u -> u.substring(u.indexOf('@') + 1)))
              .orElse(version);
      try {
        packages.add(
            new InstalledPackage(
                name, DebianVersion.parse(version), source, DebianVersion.parse(sourceVersion)));
      } catch (IllegalArgumentException e) {
        warnings.add(new ScanWarning(image, path, name + ": " + e.getMessage() + "; not scanned"));
      }
      if (os.isEmpty()) os = qualifier(purl, "distro").map(ImageSbom::distro);
    }
    return new ImageSbom(image, digest, os, packages, warnings);
  }

  /** Syft writes {@code distro=debian-12}; others write the codename. */
  private static OsRelease distro(String d) {
    return d.startsWith("debian-") ? OsRelease.debian(d.substring(7)) : OsRelease.debian(d);
  }

  private static Optional<String> property(JsonNode component, String name) {
    for (JsonNode p : component.path("properties"))
      if (p.path("name").asText().equals(name)) return Optional.of(p.path("value").asText());
    return Optional.empty();
  }

  private static Optional<String> qualifier(String purl, String key) {
    int q = purl.indexOf('?');
    if (q < 0) return Optional.empty();
    String qs = purl.substring(q + 1);
    int hash = qs.indexOf('#');
    if (hash >= 0) qs = qs.substring(0, hash);
    for (String kv : qs.split("&")) {
      if (kv.startsWith(key + "="))
        return Optional.of(
            URLDecoder.decode(kv.substring(key.length() + 1), StandardCharsets.UTF_8));
    }
    return Optional.empty();
  }
}
