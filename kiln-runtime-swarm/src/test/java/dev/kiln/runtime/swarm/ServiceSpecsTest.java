package dev.kiln.runtime.swarm;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.EndpointResolutionMode;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.ServiceRestartCondition;
import com.github.dockerjava.api.model.ServiceSpec;
import dev.kiln.model.Digest;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.testkit.Instances;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSpecsTest {
  static final Digest IMAGE = Digest.of(new byte[] {1});
  static final InstanceSpec SPEC =
      Instances.spec("web-1", IMAGE)
          .env("GREETING", "hi")
          .secret("API_TOKEN", "very-secret-value")
          .port(8123)
          .build();

  static ServiceSpec service() {
    return ServiceSpecs.of(
        SPEC,
        "10.0.0.254:5000/kiln@" + IMAGE,
        List.of("/bin/httpd", "-f"),
        Map.of("API_TOKEN", "secret-id-1"),
        "/home/kiln",
        "2026-11-30T00:00:00Z",
        Duration.ofSeconds(3));
  }

  @Test
  void anInstance_isOneUnrestartedReplica_onTheHostNetwork_withDnsRoundRobin() {
    ServiceSpec s = service();
    assertThat(s.getName()).isEqualTo("kiln-web-1");
    assertThat(s.getMode().getReplicated().getReplicas()).isEqualTo(1);
    assertThat(s.getTaskTemplate().getRestartPolicy().getCondition())
        .isEqualTo(ServiceRestartCondition.NONE);
    assertThat(s.getTaskTemplate().getNetworks())
        .singleElement()
        .satisfies(n -> assertThat(n.getTarget()).isEqualTo("host"));
    assertThat(s.getEndpointSpec().getMode()).isEqualTo(EndpointResolutionMode.DNSRR);
  }

  @Test
  void theContainer_hasAReadOnlyRoot_aTmpfsTmp_anInit_andTheImageByDigest() {
    var c = service().getTaskTemplate().getContainerSpec();
    assertThat(c.getReadOnly()).isTrue();
    assertThat(c.getInit()).isTrue();
    assertThat(c.getImage()).endsWith("@" + IMAGE);
    assertThat(c.getMounts())
        .anySatisfy(
            m -> {
              assertThat(m.getType()).isEqualTo(MountType.TMPFS);
              assertThat(m.getTarget()).isEqualTo("/tmp");
            });
    assertThat(c.getStopGracePeriod()).isEqualTo(Duration.ofSeconds(3).toNanos());
    assertThat(c.getEnv()).contains("GREETING=hi", "PORT=8123");
  }

  @Test
  void secrets_areSwarmSecretFiles_exportedByAWrapper_andTheirValuesAreNowhereInTheSpec() {
    ServiceSpec s = service();
    var c = s.getTaskTemplate().getContainerSpec();
    assertThat(c.getSecrets())
        .singleElement()
        .satisfies(
            ref -> {
              assertThat(ref.getSecretId()).isEqualTo("secret-id-1");
              assertThat(ref.getFile().getName()).isEqualTo("API_TOKEN");
            });
    assertThat(c.getCommand()).startsWith("/bin/sh", "-c");
    assertThat(c.getCommand().get(2))
        .contains("export API_TOKEN=\"$(cat /run/secrets/API_TOKEN)\"");
    assertThat(c.getArgs()).containsExactly("/bin/httpd", "-f");
    assertThat(s.toString()).doesNotContain("very-secret-value");
    assertThat(s.getLabels().get(ServiceSpecs.LABEL_SPEC)).doesNotContain("very-secret-value");
  }

  @Test
  void theLabels_letANewDriverAdoptTheService() {
    Map<String, String> labels = service().getLabels();
    assertThat(labels)
        .containsEntry(ServiceSpecs.LABEL_INSTANCE, "web-1")
        .containsEntry(ServiceSpecs.LABEL_HOME, "/home/kiln");
    assertThat(ServiceRecord.fromJson(labels.get(ServiceSpecs.LABEL_SPEC)).spec().port())
        .isEqualTo(8123);
  }

  @Test
  void parking_addsAConstraintNoNodeMeets_andKeepsEverythingElse() {
    ServiceSpec parked = ServiceSpecs.parked(service());
    assertThat(parked.getTaskTemplate().getPlacement().getConstraints())
        .containsExactly(ServiceSpecs.PARKED);
    assertThat(parked.getTaskTemplate().getContainerSpec().getImage()).endsWith("@" + IMAGE);
  }

  @Test
  void secretNames_fitTheSwarmsLimit_andDifferPerInstance() {
    String a = ServiceSpecs.secretName(SPEC, "API_TOKEN");
    String b = ServiceSpecs.secretName(Instances.spec("web-2", IMAGE).build(), "API_TOKEN");
    assertThat(a).hasSizeLessThanOrEqualTo(64).isNotEqualTo(b);
  }
}
