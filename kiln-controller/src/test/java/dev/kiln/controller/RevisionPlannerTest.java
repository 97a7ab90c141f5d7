package dev.kiln.controller;

import static dev.kiln.controller.Fixtures.digest;
import static dev.kiln.controller.Fixtures.spec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.kiln.model.ServiceSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RevisionPlannerTest {
  private static final Map<String, dev.kiln.model.Digest> DIGESTS =
      Map.of("hello", digest("hello-v1"), "api", digest("api-v1"));

  private static LiveService live(ServiceSpec spec, int number, int replicas) {
    return new LiveService(
        new Revision(spec.name(), number, DIGESTS.get(spec.image()), RuntimeConfig.of(spec)),
        replicas);
  }

  @Test
  void firstApplyCreatesRevisionOneOfEachService() {
    ServiceSpec web = spec("web", "hello", 3, Map.of("LOG_LEVEL", "info"));
    Plan plan = RevisionPlanner.plan(Map.of("web", web), DIGESTS, Map.of());

    assertThat(plan.changes())
        .singleElement()
        .isInstanceOfSatisfying(
            Change.Create.class,
            c -> {
              assertThat(c.revision().number()).isEqualTo(1);
              assertThat(c.revision().image()).isEqualTo(digest("hello-v1"));
              assertThat(c.replicas()).isEqualTo(3);
            });
  }

  @Test
  void newRevisionsAreNumberedAfterEveryRevisionTheServiceEverHad() {
    ServiceSpec web = spec("web", "hello", 3, Map.of("LOG_LEVEL", "debug"));
    ServiceSpec api = spec("api", "api", 1, Map.of());
    // web is live at 2, but an aborted rollout and a rollback made 3 and 4; api was removed at 7
    Plan plan =
        RevisionPlanner.plan(
            Map.of("web", web, "api", api),
            DIGESTS,
            Map.of("web", live(spec("web", "hello", 3, Map.of("LOG_LEVEL", "info")), 2, 3)),
            Map.of("web", 4, "api", 7));

    assertThat(plan.newRevisions())
        .extracting(Revision::service, Revision::number)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple("web", 5),
            org.assertj.core.groups.Tuple.tuple("api", 8));
  }

  @Test
  void replicaChangeAloneCreatesNoRevision() {
    ServiceSpec web = spec("web", "hello", 5, Map.of("LOG_LEVEL", "info"));
    Plan plan = RevisionPlanner.plan(Map.of("web", web), DIGESTS, Map.of("web", live(web, 4, 3)));

    assertThat(plan.newRevisions()).isEmpty();
    assertThat(plan.changes())
        .singleElement()
        .isInstanceOfSatisfying(
            Change.Scale.class,
            s -> {
              assertThat(s.revision().number()).isEqualTo(4);
              assertThat(s.from()).isEqualTo(3);
              assertThat(s.to()).isEqualTo(5);
            });
  }

  @Test
  void sameSpecIsNoChangeAndAnEmptyPlan() {
    ServiceSpec web = spec("web", "hello", 3, Map.of("LOG_LEVEL", "info"));
    Plan plan = RevisionPlanner.plan(Map.of("web", web), DIGESTS, Map.of("web", live(web, 2, 3)));

    assertThat(plan.isEmpty()).isTrue();
    assertThat(plan.changes()).singleElement().isInstanceOf(Change.NoChange.class);
  }

  @Test
  void newImageDigestReplacesWithTheNextNumberAndSaysWhy() {
    ServiceSpec web = spec("web", "hello", 3, Map.of());
    LiveService was = live(web, 7, 3);
    Plan plan =
        RevisionPlanner.plan(
            Map.of("web", web), Map.of("hello", digest("hello-v2")), Map.of("web", was));

    Change.Replace r = (Change.Replace) plan.changes().get(0);
    assertThat(r.to().number()).isEqualTo(8);
    assertThat(r.fields())
        .containsExactly(
            new Change.FieldChange(
                "image", digest("hello-v1").toString(), digest("hello-v2").toString()));
  }

  @Test
  void configChangeNamesEachFieldWithOldAndNewValue() {
    ServiceSpec before = spec("web", "hello", 3, Map.of("LOG_LEVEL", "info", "MODE", "a"));
    ServiceSpec after = spec("web", "hello", 4, Map.of("LOG_LEVEL", "debug", "EXTRA", "1"));
    Plan plan =
        RevisionPlanner.plan(Map.of("web", after), DIGESTS, Map.of("web", live(before, 1, 3)));

    Change.Replace r = (Change.Replace) plan.changes().get(0);
    assertThat(r.fields())
        .containsExactly(
            new Change.FieldChange("env.EXTRA", Change.ABSENT, "1"),
            new Change.FieldChange("env.LOG_LEVEL", "info", "debug"),
            new Change.FieldChange("env.MODE", "a", Change.ABSENT));
    assertThat(r.fromReplicas()).isEqualTo(3);
    assertThat(r.toReplicas()).isEqualTo(4);
  }

  @Test
  void secretsAreComparedAndShownByNameOnly() {
    ServiceSpec before = spec("web", "hello", 1, Map.of(), List.of("API_TOKEN"));
    ServiceSpec after = spec("web", "hello", 1, Map.of(), List.of("DB_PASSWORD", "API_TOKEN"));
    Plan plan =
        RevisionPlanner.plan(Map.of("web", after), DIGESTS, Map.of("web", live(before, 1, 1)));

    Change.Replace r = (Change.Replace) plan.changes().get(0);
    assertThat(r.fields())
        .containsExactly(new Change.FieldChange("secrets", "API_TOKEN", "API_TOKEN,DB_PASSWORD"));
  }

  @Test
  void orderOfEnvEntriesInTheBlueprintDoesNotMakeARevision() {
    LinkedHashMap<String, String> ab = new LinkedHashMap<>();
    ab.put("A", "1");
    ab.put("B", "2");
    LinkedHashMap<String, String> ba = new LinkedHashMap<>();
    ba.put("B", "2");
    ba.put("A", "1");
    Plan plan =
        RevisionPlanner.plan(
            Map.of("web", spec("web", "hello", 1, ba)),
            DIGESTS,
            Map.of("web", live(spec("web", "hello", 1, ab), 1, 1)));

    assertThat(plan.isEmpty()).isTrue();
  }

  @Test
  void serviceNoLongerDeclaredIsRemoved() {
    ServiceSpec old = spec("old", "api", 2, Map.of());
    Plan plan = RevisionPlanner.plan(Map.of(), DIGESTS, Map.of("old", live(old, 3, 2)));

    assertThat(plan.changes())
        .singleElement()
        .isInstanceOfSatisfying(
            Change.Remove.class,
            r -> {
              assertThat(r.revision().number()).isEqualTo(3);
              assertThat(r.replicas()).isEqualTo(2);
            });
  }

  @Test
  void changesAreSortedByServiceNameWhateverTheInputOrder() {
    LinkedHashMap<String, ServiceSpec> services = new LinkedHashMap<>();
    services.put("zeta", spec("zeta", "hello", 1, Map.of()));
    services.put("alpha", spec("alpha", "api", 1, Map.of()));
    Plan plan =
        RevisionPlanner.plan(
            services, DIGESTS, Map.of("mid", live(spec("mid", "api", 1, Map.of()), 1, 1)));

    assertThat(plan.changes()).extracting(Change::service).containsExactly("alpha", "mid", "zeta");
    assertThat(
            RevisionPlanner.plan(
                services, DIGESTS, Map.of("mid", live(spec("mid", "api", 1, Map.of()), 1, 1))))
        .isEqualTo(plan);
  }

  @Test
  void unbakedImageIsALocatedErrorThatSaysWhatToDo() {
    ServiceSpec web = spec("web", "missing", 1, Map.of());
    assertThatThrownBy(() -> RevisionPlanner.plan(Map.of("web", web), DIGESTS, Map.of()))
        .isInstanceOf(ControllerException.class)
        .hasMessageContaining("service web (kiln.yaml:12:3)")
        .hasMessageContaining("image missing has no baked digest")
        .hasMessageContaining("kiln bake");
  }
}
