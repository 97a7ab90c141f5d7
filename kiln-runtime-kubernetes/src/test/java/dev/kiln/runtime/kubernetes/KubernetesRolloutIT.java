package dev.kiln.runtime.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDrivers;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TarLayer;
import dev.kiln.testkit.TestImages;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rolling replacement as Kiln's executor drives it, through the kubernetes runtime: for each old
 * instance, start one of the new revision, wait until its pod is Ready and it serves the new
 * content over HTTP, then stop and destroy an old one. Against fabric8's mock API server and the
 * kubelet stand-in: the Kubernetes API's shape, not a real cluster.
 */
class KubernetesRolloutIT {
  private static final ImageContent V1 = TestImages.busybox().build();
  private static final ImageContent V2 =
      TestImages.busybox().layer(new TarLayer().file("www/index.html", "hello from v2\n")).build();

  @TempDir Path home;
  private MockCluster cluster;
  private RuntimeDriver driver;

  @BeforeEach
  void start() throws Exception {
    assumeTrue(
        Files.isExecutable(Path.of("/usr/bin/bwrap")),
        "the kubelet stand-in runs pods in bubblewrap (apt-get install bubblewrap)");
    cluster = new MockCluster(Files.createTempDirectory("kiln-kubelet-"));
    var images = new InMemoryImageSource().add(V1).add(V2);
    cluster.useImages(images);
    driver =
        RuntimeDrivers.create(
            "kubernetes",
            new DriverContext(home, Clock.systemUTC(), images, cluster.options("shop")));
  }

  @AfterEach
  void stop() {
    if (driver != null) {
      driver.list().forEach(s -> driver.destroy(s.id()));
      driver.close();
    }
    if (cluster != null) cluster.close();
  }

  @Test
  void instancesOfTheNewRevision_replaceTheOldOnes_oneAtATime_whileTheFleetServes() {
    List<InstanceSpec> old = new ArrayList<>();
    for (String suffix : List.of("a", "b", "c")) {
      InstanceSpec spec = Instances.spec("web-1-" + suffix, V1.manifestDigest()).build();
      driver.start(spec);
      old.add(spec);
    }
    for (InstanceSpec spec : old) awaitServing(spec, "hello from kiln\n");
    assertThat(replicaSets()).containsExactly("kiln-web-r1");

    List<InstanceSpec> next = new ArrayList<>();
    int step = 0;
    for (InstanceSpec retiring : old) {
      InstanceSpec fresh =
          Instances.spec("web-2-" + (char) ('a' + step++), V2.manifestDigest()).revision(2).build();
      driver.start(fresh);
      awaitReady(fresh);
      awaitServing(fresh, "hello from v2\n");
      next.add(fresh);

      var stopped = driver.stop(retiring.id(), Duration.ofSeconds(2));
      assertThat(stopped.exitCode()).isPresent();
      assertThat(driver.inspect(retiring.id()))
          .as("a stopped pod stays inspectable until destroyed")
          .hasValueSatisfying(s -> assertThat(s.running()).isFalse());
      driver.destroy(retiring.id());

      // capacity never drops: every instance still listed serves, old or new
      List<InstanceStatus> running =
          driver.list().stream().filter(InstanceStatus::running).toList();
      assertThat(running).hasSize(old.size());
      for (InstanceStatus s : running) {
        assertThat(Await.httpGet(s.spec().port(), "/index.html").statusCode()).isEqualTo(200);
      }
    }

    assertThat(driver.list())
        .extracting(s -> s.id().value() + "@r" + s.spec().revision())
        .containsExactly("web-2-a@r2", "web-2-b@r2", "web-2-c@r2");
    for (InstanceSpec spec : next) awaitServing(spec, "hello from v2\n");
    assertThat(replicaSets())
        .as("the old revision's owner goes with its last pod")
        .containsExactly("kiln-web-r2");
    for (Pod pod : cluster.client().pods().inNamespace("shop").list().getItems()) {
      assertThat(pod.getStatus().getPodIP()).isEqualTo("127.0.0.1");
      assertThat(pod.getMetadata().getOwnerReferences().getFirst().getName())
          .isEqualTo("kiln-web-r2");
      assertThat(pod.getSpec().getContainers().getFirst().getImage())
          .isEqualTo("registry.test:5000/kiln/web@" + V2.manifestDigest());
    }
  }

  private List<String> replicaSets() {
    return cluster.client().apps().replicaSets().inNamespace("shop").list().getItems().stream()
        .map(ReplicaSet::getMetadata)
        .map(m -> m.getName())
        .sorted()
        .toList();
  }

  private void awaitReady(InstanceSpec spec) {
    Await.until(
        "pod of " + spec.id() + " Ready",
        () ->
            Optional.ofNullable(
                    cluster
                        .client()
                        .pods()
                        .inNamespace("shop")
                        .withName(PodManifests.podName(spec.id()))
                        .get())
                .filter(
                    p ->
                        p.getStatus().getConditions() != null
                            && p.getStatus().getConditions().stream()
                                .anyMatch(
                                    c ->
                                        "Ready".equals(c.getType())
                                            && "True".equals(c.getStatus()))));
  }

  private static void awaitServing(InstanceSpec spec, String body) {
    Await.until(
        spec.id() + " serving " + body.strip(),
        () ->
            Optional.of(Await.httpGet(spec.port(), "/index.html"))
                .filter(r -> r.statusCode() == 200 && r.body().equals(body)));
  }
}
