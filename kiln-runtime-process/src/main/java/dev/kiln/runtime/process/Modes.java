package dev.kiln.runtime.process;

import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/** Unix permission bits ↔ {@link PosixFilePermission}; special bits (set-uid...) are dropped. */
final class Modes {
  private static final PosixFilePermission[] ORDER = {
    PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
        PosixFilePermission.OTHERS_READ,
    PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
        PosixFilePermission.GROUP_READ,
    PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
        PosixFilePermission.OWNER_READ
  };

  private Modes() {}

  static Set<PosixFilePermission> of(int mode) {
    Set<PosixFilePermission> set = EnumSet.noneOf(PosixFilePermission.class);
    for (int i = 0; i < ORDER.length; i++) if ((mode & (1 << i)) != 0) set.add(ORDER[i]);
    return set;
  }

  static int toMode(Set<PosixFilePermission> permissions) {
    int mode = 0;
    for (int i = 0; i < ORDER.length; i++) if (permissions.contains(ORDER[i])) mode |= 1 << i;
    return mode;
  }
}
