package dev.kiln.runtime;

import java.util.regex.Pattern;

/**
 * The identity of one instance, unique on a host. It names the instance's directory under {@code
 * $KILN_HOME/instances/}, its container and its labels, so it is restricted to a safe alphabet.
 */
public record InstanceId(String value) implements Comparable<InstanceId> {
  private static final Pattern SAFE = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");

  public InstanceId {
    if (value == null || !SAFE.matcher(value).matches()) {
      throw new IllegalArgumentException(
          "instance id must be 1-63 of [a-z0-9-] starting with a letter or digit: " + value);
    }
  }

  public static InstanceId of(String value) {
    return new InstanceId(value);
  }

  @Override
  public int compareTo(InstanceId o) {
    return value.compareTo(o.value);
  }

  @Override
  public String toString() {
    return value;
  }
}
