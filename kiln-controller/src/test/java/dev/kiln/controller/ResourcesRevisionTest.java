package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.digest;
import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Resources;
import dev.kiln.model.ServiceSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Resource limits are runtime config: changing one makes a new revision, shown per field. */
class ResourcesRevisionTest {
  private static final Map<String, dev.kiln.model.Digest> DIGESTS =
      Map.of("hello", digest("hello-v1"));

  private static ServiceSpec web(Resources resources) {
    ServiceSpec s = Fixtures.spec("web", "hello", 2, Map.of());
    return new ServiceSpec(
        s.name(),
        s.image(),
        s.replicas(),
        s.health(),
        s.route(),
        s.strategy(),
        s.progressDeadline(),
        s.env(),
        s.secrets(),
        s.volumes(),
        resources,
        s.runtime(),
        s.autoscale(),
        s.network(),
        s.drift(),
        s.at());
  }

  private static LiveService live(ServiceSpec spec, int number) {
    return new LiveService(
        new Revision(spec.name(), number, DIGESTS.get(spec.image()), RuntimeConfig.of(spec)),
        spec.replicas());
  }

  @Test
  void changedLimits_makeANewRevision_andThePlanNamesEachField() {
    ServiceSpec before = web(new Resources(256L << 20, 500, 128));
    ServiceSpec after = web(new Resources(512L << 20, 500, 64));

    Plan plan = RevisionPlanner.plan(Map.of("web", after), DIGESTS, Map.of("web", live(before, 4)));

    Change.Replace r = (Change.Replace) plan.changes().get(0);
    assertThat(r.to().number()).isEqualTo(5);
    assertThat(r.to().config().resources()).isEqualTo(after.resources());
    assertThat(r.fields())
        .containsExactly(
            new Change.FieldChange("resources.memory", "256Mi", "512Mi"),
            new Change.FieldChange("resources.pids", "128", "64"));
  }

  @Test
  void addingLimits_showsThemAsNewFields() {
    ServiceSpec before = web(Resources.UNLIMITED);
    ServiceSpec after = web(new Resources(0, 250, 0));

    Plan plan = RevisionPlanner.plan(Map.of("web", after), DIGESTS, Map.of("web", live(before, 1)));

    Change.Replace r = (Change.Replace) plan.changes().get(0);
    assertThat(r.fields())
        .containsExactly(new Change.FieldChange("resources.cpu", Change.ABSENT, "0.25"));
  }

  @Test
  void noLimits_leaveTheRevisionDigestAsItWasBeforeResourcesExisted() {
    Revision unlimited =
        new Revision("web", 1, digest("x"), RuntimeConfig.of(web(Resources.UNLIMITED)));

    assertThat(unlimited.config().fields()).doesNotContainKeys("resources.memory", "resources.cpu");
    assertThat(unlimited.contentDigest())
        .isEqualTo(Fixtures.revision("web", 1, "x", Map.of()).contentDigest());
  }

  @Test
  void sameLimits_makeNoRevision() {
    ServiceSpec spec = web(new Resources(64L << 20, 1000, 32));

    Plan plan = RevisionPlanner.plan(Map.of("web", spec), DIGESTS, Map.of("web", live(spec, 3)));

    assertThat(plan.isEmpty()).isTrue();
  }
}
