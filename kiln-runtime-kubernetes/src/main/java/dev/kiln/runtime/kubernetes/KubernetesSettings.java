package dev.kiln.runtime.kubernetes;

import dev.kiln.runtime.DriverContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The kubernetes runtime's options, read once from {@link DriverContext#options()} and {@code
 * $KILN_HOME/kubernetes.properties}.
 *
 * @param apiServer the API server URL ({@code api-server}); empty means the kubeconfig's
 * @param kubeconfig a kubeconfig file ({@code kubeconfig}); empty means fabric8's usual lookup
 *     ({@code KUBECONFIG}, {@code ~/.kube/config}, in-cluster service account)
 * @param namespace where instances live ({@code namespace}, default {@code default})
 * @param registry where images are pulled from by digest ({@code registry}, required), e.g. {@code
 *     registry.example:5000/team}: the pod's image is {@code <registry>/<service>@sha256:...}
 * @param owner the value of the {@code kiln.dev/owner} label ({@code owner}); by default a hash of
 *     {@code KILN_HOME}, so two Kiln homes sharing a namespace never adopt each other's pods
 * @param stopGrace the pods' {@code terminationGracePeriodSeconds} ({@code stop-grace-seconds})
 * @param startTimeout how long {@code start} waits for the container to run ({@code
 *     start-timeout-seconds}), image pull included
 * @param volumeSize the storage requested by each volume's claim ({@code volume-size}, {@code 1Gi})
 */
record KubernetesSettings(
    Optional<String> apiServer,
    Optional<String> kubeconfig,
    String namespace,
    String registry,
    String owner,
    Duration stopGrace,
    Duration startTimeout,
    String volumeSize) {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?)?");

  /** Where options live when the driver is created by the server, which passes none. */
  static final String OPTIONS_FILE = "kubernetes.properties";

  /**
   * Reads the options: those the {@link DriverContext} carries win over those in {@code
   * $KILN_HOME/kubernetes.properties} (the server creates drivers without options).
   */
  static KubernetesSettings from(DriverContext given) {
    DriverContext context = withFileOptions(given);
    String namespace = context.option("namespace").orElse("default");
    if (!DNS_LABEL.matcher(namespace).matches()) {
      throw new KubernetesException(
          "kubernetes runtime: namespace '" + namespace + "' is not a DNS label ([a-z0-9-])");
    }
    String registry =
        context
            .option("registry")
            .map(r -> r.endsWith("/") ? r.substring(0, r.length() - 1) : r)
            .filter(r -> !r.isBlank())
            .orElseThrow(
                () ->
                    new KubernetesException(
                        "kubernetes runtime: set the registry option to where `kiln push` puts"
                            + " images (e.g. registry.example:5000/team); pods pull from it by"
                            + " digest"));
    String owner = context.option("owner").orElseGet(() -> homeHash(context));
    if (!LABEL_VALUE.matcher(owner).matches()) {
      throw new KubernetesException(
          "kubernetes runtime: owner '" + owner + "' is not a valid label value (63 chars max)");
    }
    return new KubernetesSettings(
        context.option("api-server"),
        context.option("kubeconfig"),
        namespace,
        registry,
        owner,
        Duration.ofSeconds(seconds(context, "stop-grace-seconds", 30)),
        Duration.ofSeconds(seconds(context, "start-timeout-seconds", 300)),
        context.option("volume-size").orElse("1Gi"));
  }

  private static DriverContext withFileOptions(DriverContext context) {
    try {
      return context.withOptionsFile(OPTIONS_FILE);
    } catch (dev.kiln.runtime.RuntimeDriverException e) {
      throw new KubernetesException("kubernetes runtime: " + e.getMessage(), e);
    }
  }

  private static long seconds(DriverContext context, String name, long fallback) {
    String value = context.option(name).orElse(Long.toString(fallback));
    try {
      long s = Long.parseLong(value);
      if (s >= 1) return s;
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new KubernetesException(
        "kubernetes runtime: " + name + " must be a whole number of seconds >= 1, got " + value);
  }

  private static String homeHash(DriverContext context) {
    try {
      byte[] hash =
          MessageDigest.getInstance("SHA-256")
              .digest(
                  context
                      .home()
                      .toAbsolutePath()
                      .normalize()
                      .toString()
                      .getBytes(StandardCharsets.UTF_8));
      return "home-" + HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
