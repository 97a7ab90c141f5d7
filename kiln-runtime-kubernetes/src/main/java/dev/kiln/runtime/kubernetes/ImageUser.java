package dev.kiln.runtime.kubernetes;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the image's {@code User} says about running as non-root. Kubernetes can only enforce {@code
 * runAsNonRoot} for a numeric user: the kubelet refuses a named user it cannot resolve, and root
 * (or no user, which means root) must not be promised away. So only a numeric, non-zero uid yields
 * {@code runAsNonRoot: true} with that uid.
 *
 * @param uid set when the image names a numeric, non-zero uid
 * @param gid set when the image also names a numeric gid
 */
record ImageUser(OptionalLong uid, OptionalLong gid) {
  static final ImageUser ROOT_OR_UNKNOWN =
      new ImageUser(OptionalLong.empty(), OptionalLong.empty());

  static ImageUser of(Optional<String> user) {
    String value = user.map(String::strip).orElse("");
    if (value.isEmpty()) return ROOT_OR_UNKNOWN;
    String[] parts = value.split(":", 2);
    OptionalLong uid = number(parts[0]);
    if (uid.isEmpty() || uid.getAsLong() == 0) return ROOT_OR_UNKNOWN;
    OptionalLong gid = parts.length == 2 ? number(parts[1]) : OptionalLong.empty();
    return new ImageUser(uid, gid);
  }

  boolean nonRoot() {
    return uid.isPresent();
  }

  private static OptionalLong number(String s) {
    if (s.isEmpty() || !s.chars().allMatch(Character::isDigit) || s.length() > 10) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Long.parseLong(s));
  }
}
