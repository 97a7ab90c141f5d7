package dev.kiln.testkit;

import dev.kiln.runtime.Capabilities;
import dev.kiln.runtime.ExecResult;
import dev.kiln.runtime.ImageSource;
import dev.kiln.runtime.InstanceId;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.runtime.RuntimeDriverException;
import dev.kiln.runtime.StopResult;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Function;

/**
 * An in-memory driver for controller and health tests: instances are records that "run" until
 * stopped or {@link #crash crashed}. Starts can be made to fail. Not for claims about real
 * processes.
 */
public final class FakeDriver implements RuntimeDriver {
  private final Clock clock;
  private final Map<InstanceId, InstanceStatus> instances = new ConcurrentSkipListMap<>();
  private final List<InstanceSpec> started = new ArrayList<>();
  private volatile Function<List<String>, ExecResult> exec = cmd -> new ExecResult(0, "");
  private volatile Optional<String> failStarts = Optional.empty();
  private volatile Runnable onList = () -> {};
  private final Optional<ImageSource> images;

  public FakeDriver() {
    this(Clock.systemUTC());
  }

  public FakeDriver(Clock clock) {
    this(clock, Optional.empty());
  }

  /**
   * A driver that opens each instance's image from {@code images} before it "starts", as real
   * drivers do: a refusal ({@code ImageRefusedException}) reaches the caller unwrapped.
   */
  public FakeDriver(Clock clock, Optional<ImageSource> images) {
    this.clock = clock;
    this.images = images;
  }

  public void onExec(Function<List<String>, ExecResult> exec) {
    this.exec = exec;
  }

  /**
   * Runs {@code hook} at the start of every later listing, on the listing thread: a test can hold a
   * listing in progress.
   */
  public void onList(Runnable hook) {
    this.onList = hook;
  }

  /** Makes every later start fail with this reason (empty to stop failing). */
  public void failStarts(Optional<String> reason) {
    this.failStarts = reason;
  }

  /** The instance exits on its own with this code. */
  public void crash(InstanceId id, int exitCode) {
    instances.computeIfPresent(
        id, (k, s) -> withState(s, InstanceStatus.State.EXITED, OptionalInt.of(exitCode)));
  }

  /** Every spec ever started, in order. */
  public synchronized List<InstanceSpec> started() {
    return List.copyOf(started);
  }

  @Override
  public String name() {
    return "fake";
  }

  @Override
  public Capabilities capabilities() {
    return new Capabilities(Capabilities.Isolation.NONE, true, true, true, true, true, true, true);
  }

  @Override
  public synchronized InstanceStatus start(InstanceSpec spec) {
    if (failStarts.isPresent())
      throw new RuntimeDriverException("instance " + spec.id() + ": " + failStarts.get());
    images.ifPresent(source -> source.open(spec.image()));
    if (instances.containsKey(spec.id()))
      throw new RuntimeDriverException("instance " + spec.id() + " already exists");
    InstanceStatus status =
        new InstanceStatus(
            spec,
            InstanceStatus.State.RUNNING,
            clock.instant(),
            OptionalInt.empty(),
            Optional.of("fake"));
    instances.put(spec.id(), status);
    started.add(spec);
    return status;
  }

  @Override
  public Optional<InstanceStatus> inspect(InstanceId id) {
    return Optional.ofNullable(instances.get(id));
  }

  @Override
  public StopResult stop(InstanceId id, Duration grace) {
    InstanceStatus status =
        inspect(id).orElseThrow(() -> new RuntimeDriverException("no instance " + id));
    if (!status.running()) return new StopResult(id, false, false, status.exitCode());
    instances.put(id, withState(status, InstanceStatus.State.EXITED, OptionalInt.of(0)));
    return new StopResult(id, true, false, OptionalInt.of(0));
  }

  @Override
  public void destroy(InstanceId id) {
    instances.remove(id);
  }

  @Override
  public List<InstanceStatus> list() {
    onList.run();
    return List.copyOf(instances.values());
  }

  @Override
  public String logs(InstanceId id, int maxBytes) {
    return "";
  }

  @Override
  public ExecResult exec(InstanceId id, List<String> command, Duration timeout) {
    return exec.apply(command);
  }

  private static InstanceStatus withState(
      InstanceStatus s, InstanceStatus.State state, OptionalInt code) {
    return new InstanceStatus(s.spec(), state, s.startedAt(), code, s.detail());
  }
}
