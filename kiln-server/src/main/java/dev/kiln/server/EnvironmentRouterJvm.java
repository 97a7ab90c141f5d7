package dev.kiln.server;

import java.util.ArrayList;
import java.util.List;

/**
 * The JVM options of an environment's router process ({@code environments: ENV: router:}), from the
 * main router's ({@link dev.kiln.router.RouterJvm}). The main router's heap is fixed, up to 1 GiB,
 * and touched at start: what {@code bench/router.sh} measured, for the router that carries the
 * fleet's traffic. Given to every environment's router too, three environments were three more GiB
 * resident for routers that mostly idle (a staging one serves a test now and then). An environment
 * router keeps the main one's ceiling ({@code -Xmx}), collector and class data, so a production
 * environment on a router of its own still grows to the same heap under load, but starts small and
 * commits memory as it allocates: no {@code -Xms} of the full heap, no fixed young generation (the
 * parallel collector sizes it to the allocation rate), no pre-touch. The price is a few heap-growth
 * collections in its first busy seconds, which the main router does not pay.
 */
final class EnvironmentRouterJvm {
  private EnvironmentRouterJvm() {}

  /** The initial heap of an environment's router: an idle router's routing state and buffers. */
  static final String INITIAL_HEAP = "-Xms64m";

  /** {@code main} (the main router's options) without what makes the heap resident from start. */
  static List<String> options(List<String> main) {
    List<String> o = new ArrayList<>();
    for (String option : main) {
      if (option.startsWith("-Xms") || option.startsWith("-Xmn")) continue;
      if (option.equals("-XX:+AlwaysPreTouch")) continue;
      o.add(option);
    }
    o.add(0, INITIAL_HEAP);
    return List.copyOf(o);
  }
}
