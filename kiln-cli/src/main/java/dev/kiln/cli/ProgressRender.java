package dev.kiln.cli;

import dev.kiln.api.RolloutView;
import dev.kiln.api.ServiceView;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Rollout progress as text, and the rule for when following a rollout is over. Pure: the apply loop
 * feeds it the API's rollouts and services and prints what it returns.
 */
public final class ProgressRender {
  private ProgressRender() {}

  /** Columns of the live block that {@code kiln apply} redraws on a terminal. */
  static final List<String> HEADERS =
      List.of("SERVICE", "REVISION", "STRATEGY", "PHASE", "STEP", "WEIGHT", "HEALTHY");

  /**
   * Whether the CLI may stop following: the rollout succeeded or was aborted; a blue-green rollout
   * scaling down its old side already serves all traffic from the new one, and its scale-down delay
   * may be minutes long. SUPERSEDED is the CLI's own mark for a rollout a newer one replaced.
   */
  public static boolean done(RolloutView rollout) {
    String phase = rollout.phase();
    return phase.equals("SUCCEEDED")
        || phase.equals("SUPERSEDED")
        || phase.equals("ABORTED")
        || (phase.equals("SCALING_DOWN") && rollout.strategy().equals("blue-green"));
  }

  /**
   * Whether following is over: the rollout is {@link #done}, and if it succeeded, its service has
   * as many healthy instances as it wants. A scale-only apply (replicas 1 -> 3) hands back the
   * service's rollout with the new count, SUCCEEDED since its last rollout: done at once, and
   * {@code kiln apply} said "succeeded" while two of the three instances were still starting.
   */
  public static boolean settled(RolloutView rollout, Optional<ServiceView> service) {
    if (!done(rollout)) return false;
    return !scaling(rollout, service);
  }

  /** A succeeded rollout whose service still starts instances towards its count (a scale up). */
  static boolean scaling(RolloutView rollout, Optional<ServiceView> service) {
    return rollout.phase().equals("SUCCEEDED")
        && service.map(s -> s.healthy() < s.replicas()).orElse(false);
  }

  /**
   * Whether the rollout waits at a gate for {@code kiln promote}, not for time or health: a canary
   * step without a pause duration, or a blue-green preview without auto-promotion. Following it
   * would last until someone promotes, so {@code kiln apply} stops there and says so. (A rollout
   * paused by {@code kiln pause} is followed on: whoever paused it resumes it.)
   */
  public static boolean awaitsUser(RolloutView rollout) {
    if (!rollout.phase().equals("PROGRESSING")) return false;
    // the controller's reasons: CanaryPauseTimed and AutoPromotionPending wait for time instead
    return rollout.conditions().stream()
        .anyMatch(
            c ->
                c.type().equals("Paused")
                    && c.status()
                    && (c.reason().equals("CanaryPauseStep")
                        || c.reason().equals("AwaitingPromotion")));
  }

  public static boolean aborted(RolloutView rollout) {
    return rollout.phase().equals("ABORTED");
  }

  /** The rollout's message, or {@code fallback} when it has none. */
  public static String message(RolloutView rollout, String fallback) {
    String m = rollout.message();
    return m == null || m.isEmpty() ? fallback : m;
  }

  /** One row of the live block. */
  public static List<String> cells(RolloutView rollout, Optional<ServiceView> service) {
    int steps = rollout.steps();
    // the rollout succeeded before; what goes on now is a scale to the new count, which has no
    // steps
    boolean scaling = scaling(rollout, service);
    return List.of(
        ApiRender.text(rollout.service()),
        fromTo(rollout),
        ApiRender.text(rollout.strategy()),
        scaling ? "SCALING" : ApiRender.text(rollout.phase()),
        steps > 0 && !scaling ? rollout.step() + "/" + steps : "-",
        rollout.canaryWeight() + "%",
        service.map(s -> s.healthy() + "/" + s.replicas()).orElse("-"));
  }

  /** The live block: a table of the followed rollouts. */
  public static String block(List<RolloutView> rollouts, List<ServiceView> services) {
    List<List<String>> rows = new ArrayList<>();
    for (RolloutView r : rollouts) rows.add(cells(r, find(services, r.service())));
    return Tables.render(HEADERS, rows);
  }

  /**
   * One line per observed change, for logs and pipes where a redraw would be garbage: {@code web: 2
   * -> 3 canary PROGRESSING step 1/3, weight 10%, healthy 2/3 (message)}.
   */
  public static String line(RolloutView rollout, Optional<ServiceView> service) {
    List<String> c = cells(rollout, service);
    StringBuilder b =
        new StringBuilder(c.get(0))
            .append(": ")
            .append(c.get(1))
            .append(' ')
            .append(c.get(2))
            .append(' ')
            .append(c.get(3));
    List<String> details = new ArrayList<>();
    if (!c.get(4).equals("-")) details.add("step " + c.get(4));
    if (!c.get(5).equals("-")) details.add("weight " + c.get(5));
    if (!c.get(6).equals("-")) details.add("healthy " + c.get(6));
    if (!details.isEmpty()) b.append(' ').append(String.join(", ", details));
    // the rollout's message is of its end ("its instance runs revision 1"), not of this scale
    String message =
        scaling(rollout, service)
            ? "starting instances of revision " + rollout.to()
            : message(rollout, "");
    if (!message.isBlank()) b.append(" (").append(message).append(')');
    return b.toString();
  }

  /** {@code 2 -> 3}, or {@code new -> 1} for a service's first revision (from 0). */
  public static String fromTo(RolloutView rollout) {
    return (rollout.from() == 0 ? "new" : Integer.toString(rollout.from())) + " -> " + rollout.to();
  }

  /** The one-line answer to an intent (promote, pause, resume, abort). */
  public static String intent(String verb, String service, RolloutView rollout) {
    return service
        + ": "
        + verb
        + " recorded; rollout "
        + fromTo(rollout)
        + " "
        + ApiRender.text(rollout.strategy())
        + " is "
        + ApiRender.rolloutCell(rollout);
  }

  static Optional<ServiceView> find(List<ServiceView> services, String name) {
    return services.stream().filter(s -> s.name().equals(name)).findFirst();
  }
}
