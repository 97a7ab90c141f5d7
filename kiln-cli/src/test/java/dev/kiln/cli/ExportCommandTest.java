package dev.kiln.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kiln export kubernetes}: manifests fabric8 reads back, the same bytes every time. */
class ExportCommandTest {
  private static final String D3 = "sha256:" + "c3".repeat(32);
  private FakeKilnServer server;
  @TempDir Path dir;

  @BeforeEach
  void start() throws Exception {
    server = new FakeKilnServer();
    server.on(
        "GET /v1/services",
        """
        {"services":[
          {"name":"web","image":"%s","liveRevision":3,"replicas":3,"traffic":{},"instances":[]},
          {"name":"draft","image":null,"liveRevision":null,"replicas":1,"traffic":{},"instances":[]}],
         "certificates":[]}
        """
            .formatted(D3));
    server.on(
        "GET /v1/services/web/revisions",
        """
        {"revisions":[
          {"service":"web","number":2,"image":"%s","config":{"env.LOG_LEVEL":"debug"}},
          {"service":"web","number":3,"image":"%s","config":{
            "env.LOG_LEVEL":"info","env.GREETING":"hi","secrets":"API_TOKEN,DB_PASSWORD",
            "volumes.data":"/var/lib/web",
            "health":"http /healthz 200 interval=PT2S timeout=PT1S healthy=2 unhealthy=3 start-deadline=PT1M",
            "route":"* /","runtime":"process","port":"env PORT"}}]}
        """
            .formatted("sha256:" + "b2".repeat(32), D3));
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void export_writesTheLiveRevisionAsManifests_thatFabric8ReadsBack() throws IOException {
    FakeKilnServer.Run r =
        server.kiln(
            "export",
            "kubernetes",
            "-o",
            dir.toString(),
            "--registry",
            "registry.example:5000/team");

    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.err()).contains("not exported (no live revision yet): draft");
    Map<String, String> files = files(dir);
    assertThat(files.keySet())
        .containsExactly(
            "web/deployment-web.yaml",
            "web/persistentvolumeclaim-web-data.yaml",
            "web/service-web.yaml");

    Deployment d = Serialization.unmarshal(files.get("web/deployment-web.yaml"), Deployment.class);
    assertThat(d.getSpec().getReplicas()).isEqualTo(3);
    assertThat(d.getMetadata().getAnnotations()).containsEntry("kiln.dev/revision", "3");
    var c = d.getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(c.getImage()).isEqualTo("registry.example:5000/team/web@" + D3);
    assertThat(c.getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .startsWith("GREETING=hi", "LOG_LEVEL=info", "PORT=8080");
    assertThat(c.getEnv())
        .filteredOn(e -> e.getValueFrom() != null)
        .extracting(
            e ->
                e.getName()
                    + "<-"
                    + e.getValueFrom().getSecretKeyRef().getName()
                    + "/"
                    + e.getValueFrom().getSecretKeyRef().getKey())
        .containsExactly(
            "API_TOKEN<-web-secrets/API_TOKEN", "DB_PASSWORD<-web-secrets/DB_PASSWORD");
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(c.getReadinessProbe().getPeriodSeconds()).isEqualTo(2);
    assertThat(c.getReadinessProbe().getSuccessThreshold()).isEqualTo(2);
    assertThat(c.getReadinessProbe().getFailureThreshold()).isEqualTo(3);
    assertThat(c.getStartupProbe().getFailureThreshold()).isEqualTo(30);
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(
            d.getSpec().getTemplate().getSpec().getSecurityContext().getSeccompProfile().getType())
        .isEqualTo("RuntimeDefault");
    assertThat(c.getVolumeMounts())
        .extracting(m -> m.getMountPath())
        .contains("/tmp", "/var/lib/web");

    Service s = Serialization.unmarshal(files.get("web/service-web.yaml"), Service.class);
    assertThat(s.getSpec().getSelector()).isEqualTo(d.getSpec().getSelector().getMatchLabels());
    List<HasMetadata> all =
        files.values().stream().map(y -> (HasMetadata) Serialization.unmarshal(y)).toList();
    assertThat(all)
        .extracting(HasMetadata::getKind)
        .containsExactly("Deployment", "PersistentVolumeClaim", "Service");
  }

  @Test
  void export_isDeterministic_andPrintsOneStreamWithoutADirectory() throws IOException {
    server.kiln("export", "kubernetes", "-o", dir.resolve("a").toString());
    server.kiln("export", "kubernetes", "-o", dir.resolve("b").toString());
    FakeKilnServer.Run printed = server.kiln("export", "kubernetes");

    assertThat(files(dir.resolve("a"))).isEqualTo(files(dir.resolve("b")));
    assertThat(printed.out())
        .contains("# web/deployment-web.yaml\n", "image: \"web@" + D3 + "\"".replace("\"", ""))
        .doesNotContain("draft");
  }

  private static Map<String, String> files(Path root) throws IOException {
    Map<String, String> files = new TreeMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.filter(Files::isRegularFile).toList()) {
        files.put(root.relativize(p).toString(), Files.readString(p));
      }
    }
    return files;
  }
}
