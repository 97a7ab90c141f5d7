package dev.kiln.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.Digest;
import dev.kiln.model.Resources;
import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.testkit.Instances;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PodManifestsTest {
  private static final Digest IMAGE = Digest.parse("sha256:" + "ab".repeat(32));
  private final KubernetesSettings settings =
      KubernetesSettings.from(
          new DriverContext(
              Path.of("/var/lib/kiln"),
              Clock.systemUTC(),
              d -> {
                throw new IllegalStateException();
              },
              Map.of("registry", "registry.example:5000/team/", "namespace", "shop")));

  private Pod pod(InstanceSpec spec, ImageUser user) {
    ReplicaSet owner = PodManifests.replicaSet(settings, spec, user);
    owner.getMetadata().setUid("rs-uid");
    return PodManifests.pod(settings, spec, user, owner, Instant.parse("2026-11-30T00:00:00Z"));
  }

  @Test
  void pod_isHardened_andPullsItsImageByDigestFromTheRegistry() {
    InstanceSpec spec =
        Instances.spec("web-1", IMAGE)
            .limits(new Resources(64L << 20, 500, 32))
            .volume("data", "/data")
            .build();
    Pod pod = pod(spec, ImageUser.of(Optional.of("1000:1000")));
    var c = pod.getSpec().getContainers().getFirst();

    assertThat(c.getImage()).isEqualTo("registry.example:5000/team/web@" + IMAGE);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(pod.getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSpec().getSecurityContext().getRunAsUser()).isEqualTo(1000L);
    assertThat(pod.getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getSpec().getAutomountServiceAccountToken()).isFalse();
    assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/tmp", "/data");
    assertThat(pod.getSpec().getVolumes())
        .extracting(
            v ->
                v.getEmptyDir() != null
                    ? "emptyDir " + v.getEmptyDir().getMedium()
                    : "claim " + v.getPersistentVolumeClaim().getClaimName())
        .containsExactly("emptyDir Memory", "claim kiln-web-data");
    assertThat(c.getResources().getLimits())
        .containsEntry("memory", new io.fabric8.kubernetes.api.model.Quantity("67108864"))
        .containsEntry("cpu", new io.fabric8.kubernetes.api.model.Quantity("500m"));
    assertThat(c.getReadinessProbe().getTcpSocket().getPort().getIntVal()).isEqualTo(spec.port());
    assertThat(pod.getMetadata().getLabels())
        .containsEntry("kiln.dev/service", "web")
        .containsEntry("kiln.dev/revision", "1")
        .containsEntry("kiln.dev/instance", "web-1")
        .containsEntry("app.kubernetes.io/managed-by", "kiln");
    assertThat(pod.getMetadata().getOwnerReferences().getFirst().getKind()).isEqualTo("ReplicaSet");
  }

  @Test
  void secrets_areReferencedByName_neverWrittenIntoThePod() {
    InstanceSpec spec = Instances.spec("web-2", IMAGE).secret("API_TOKEN", "hunter2").build();
    Pod pod = pod(spec, ImageUser.ROOT_OR_UNKNOWN);

    assertThat(Serialization.asYaml(pod)).doesNotContain("hunter2");
    var token =
        pod.getSpec().getContainers().getFirst().getEnv().stream()
            .filter(e -> e.getName().equals("API_TOKEN"))
            .findFirst()
            .orElseThrow();
    assertThat(token.getValue()).isNull();
    assertThat(token.getValueFrom().getSecretKeyRef().getName()).isEqualTo("kiln-web-2-secrets");
    assertThat(PodManifests.secret(settings, spec).getStringData())
        .containsEntry("API_TOKEN", "hunter2");
    assertThat(PodManifests.storedSpec(PodManifests.specJson(spec)).spec().secrets())
        .containsEntry("API_TOKEN", "");
  }

  @Test
  void aRootOrNamedImageUser_isNotPromisedAsNonRoot() {
    for (String user : new String[] {"", "0", "root", "0:0", "nobody", "www-data:www-data"}) {
      Pod pod = pod(Instances.spec("web-3", IMAGE).build(), ImageUser.of(Optional.of(user)));
      assertThat(pod.getSpec().getSecurityContext().getRunAsNonRoot()).as(user).isNull();
    }
    assertThat(ImageUser.of(Optional.empty()).nonRoot()).isFalse();
    assertThat(ImageUser.of(Optional.of("65534")).nonRoot()).isTrue();
  }

  @Test
  void theRevisionReplicaSet_selectsNoKilnPod_soItsControllerNeverTouchesThem() {
    InstanceSpec spec = Instances.spec("web-4", IMAGE).revision(3).build();
    ReplicaSet rs = PodManifests.replicaSet(settings, spec, ImageUser.ROOT_OR_UNKNOWN);

    assertThat(rs.getMetadata().getName()).isEqualTo("kiln-web-r3");
    assertThat(rs.getSpec().getReplicas()).isZero();
    var requirement = rs.getSpec().getSelector().getMatchExpressions().getFirst();
    assertThat(requirement.getKey()).isEqualTo("kiln.dev/instance");
    assertThat(requirement.getOperator()).isEqualTo("DoesNotExist");
    assertThat(rs.getSpec().getTemplate().getMetadata().getLabels())
        .doesNotContainKey("kiln.dev/instance");
  }

  @Test
  void aMissingRegistry_isRefusedWithWhatToSet() {
    assertThatThrownBy(
            () ->
                KubernetesSettings.from(
                    new DriverContext(
                        Path.of("/tmp"),
                        Clock.systemUTC(),
                        d -> {
                          throw new IllegalStateException();
                        })))
        .isInstanceOf(KubernetesException.class)
        .hasMessageContaining("set the registry option");
  }

  @Test
  void optionsFromKilnHome_apply_andTheContextsWin(@org.junit.jupiter.api.io.TempDir Path home)
      throws Exception {
    java.nio.file.Files.writeString(
        home.resolve("kubernetes.properties"),
        "registry = registry.example:5000/team\nnamespace = shop\nstop-grace-seconds = 5\n");

    var fromFile =
        KubernetesSettings.from(new DriverContext(home, Clock.systemUTC(), d -> null, Map.of()));
    var overridden =
        KubernetesSettings.from(
            new DriverContext(home, Clock.systemUTC(), d -> null, Map.of("namespace", "other")));

    assertThat(fromFile.registry()).isEqualTo("registry.example:5000/team");
    assertThat(fromFile.namespace()).isEqualTo("shop");
    assertThat(fromFile.stopGrace()).hasSeconds(5);
    assertThat(overridden.namespace()).isEqualTo("other");
  }

  @Test
  void anApiServerThatDoesNotAnswer_isRefusedAtCreation_withWhatToSet() throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    var context =
        new DriverContext(
            Path.of("/tmp"),
            Clock.systemUTC(),
            d -> null,
            Map.of("registry", "r.example/team", "api-server", "http://127.0.0.1:" + closedPort));

    assertThatThrownBy(() -> new KubernetesDriver(context))
        .isInstanceOf(KubernetesException.class)
        .hasMessageContaining("no Kubernetes API answers at http://127.0.0.1:" + closedPort)
        .hasMessageContaining("api-server or kubeconfig");
  }
}
