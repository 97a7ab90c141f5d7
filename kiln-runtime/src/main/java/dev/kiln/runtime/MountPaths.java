package dev.kiln.runtime;

import java.util.Set;

/** Checks that a mount path inside an instance cannot escape or shadow what the sandbox owns. */
public final class MountPaths {
  private static final Set<String> RESERVED = Set.of("/proc", "/dev", "/sys");

  private MountPaths() {}

  public static boolean isSafe(String path) {
    if (path == null || !path.startsWith("/") || path.equals("/") || path.endsWith("/"))
      return false;
    for (String part : path.substring(1).split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
        return false;
      }
    }
    for (String reserved : RESERVED) {
      if (path.equals(reserved) || path.startsWith(reserved + "/")) return false;
    }
    return true;
  }
}
