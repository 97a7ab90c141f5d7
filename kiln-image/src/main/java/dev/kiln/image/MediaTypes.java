package dev.kiln.image;

/** The OCI media types Kiln writes and reads. */
public final class MediaTypes {
  private MediaTypes() {}

  public static final String INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String CONFIG = "application/vnd.oci.image.config.v1+json";

  /** Kiln writes uncompressed layers: gzip output differs between zlib builds, digests must not. */
  public static final String LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";

  public static final String LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_LAYER_GZIP =
      "application/vnd.docker.image.rootfs.diff.tar.gzip";
  public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";

  /** The empty config of OCI 1.1 artifacts (signatures, SBOMs). */
  public static final String EMPTY_CONFIG = "application/vnd.oci.empty.v1+json";

  public static final String CYCLONEDX = "application/vnd.cyclonedx+json";
  public static final String KILN_SIGNATURE = "application/vnd.dev.kiln.signature.v1+json";

  public static boolean isLayer(String mediaType) {
    return mediaType.equals(LAYER_TAR)
        || mediaType.equals(LAYER_TAR_GZIP)
        || mediaType.equals(DOCKER_LAYER_GZIP)
        || mediaType.equals("application/vnd.docker.image.rootfs.diff.tar");
  }

  public static boolean isGzip(String mediaType) {
    return mediaType.endsWith("gzip");
  }
}
