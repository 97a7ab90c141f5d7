package dev.kiln.controller;

import dev.kiln.model.Digest;
import dev.kiln.model.ServiceSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Compares what the blueprint wants with what is live and says, per service, what applying it does.
 * Pure: the same (services, digests, live) always gives the same plan, in service-name order.
 *
 * <p>A new revision is made only when the image digest or a field of {@link RuntimeConfig} differs
 * from the live revision; a replica change alone is a {@link Change.Scale} of the live revision.
 */
public final class RevisionPlanner {
  private RevisionPlanner() {}

  /** A plan for services that never had revisions other than their live ones. */
  public static Plan plan(
      Map<String, ServiceSpec> services,
      Map<String, Digest> imageDigests,
      Map<String, LiveService> live) {
    return plan(services, imageDigests, live, Map.of());
  }

  /**
   * @param services the blueprint's services by name
   * @param imageDigests the baked digest of each image name the services use
   * @param live what runs now, by service name
   * @param highest the highest revision number each service ever had (live or not: a rollback, an
   *     aborted rollout or a removed service leaves numbers behind); new revisions are numbered
   *     after it, so a number is never reused
   */
  public static Plan plan(
      Map<String, ServiceSpec> services,
      Map<String, Digest> imageDigests,
      Map<String, LiveService> live,
      Map<String, Integer> highest) {
    TreeSet<String> names = new TreeSet<>(services.keySet());
    names.addAll(live.keySet());
    List<Change> changes = new ArrayList<>();
    for (String name : names) {
      ServiceSpec spec = services.get(name);
      LiveService current = live.get(name);
      if (spec == null) {
        // the names are both maps' keys: one the blueprint no longer has is live
        LiveService gone = Objects.requireNonNull(current, name);
        changes.add(new Change.Remove(gone.revision(), gone.replicas()));
        continue;
      }
      Digest image = imageDigests.get(spec.image());
      if (image == null) {
        throw new ControllerException(
            "service "
                + name
                + " ("
                + spec.at()
                + "): image "
                + spec.image()
                + " has no baked digest; run `kiln bake` first");
      }
      RuntimeConfig config = RuntimeConfig.of(spec);
      int next = highest.getOrDefault(name, 0) + 1;
      if (current == null) {
        changes.add(new Change.Create(new Revision(name, next, image, config), spec.replicas()));
        continue;
      }
      Revision was = current.revision();
      Revision wanted = new Revision(name, Math.max(next, was.number() + 1), image, config);
      List<Change.FieldChange> fields = diff(was, wanted);
      if (!fields.isEmpty()) {
        changes.add(new Change.Replace(was, wanted, fields, current.replicas(), spec.replicas()));
      } else if (current.replicas() != spec.replicas()) {
        changes.add(new Change.Scale(was, current.replicas(), spec.replicas()));
      } else {
        changes.add(new Change.NoChange(was, current.replicas()));
      }
    }
    return new Plan(changes);
  }

  /** The fields that differ, image first, then config fields in name order. */
  static List<Change.FieldChange> diff(Revision from, Revision to) {
    List<Change.FieldChange> fields = new ArrayList<>();
    if (!from.image().equals(to.image())) {
      fields.add(new Change.FieldChange("image", from.image().toString(), to.image().toString()));
    }
    fields.addAll(from.config().diff(to.config()));
    return fields;
  }
}
