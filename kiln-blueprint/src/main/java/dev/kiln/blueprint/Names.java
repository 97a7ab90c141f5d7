package dev.kiln.blueprint;

import java.util.regex.Pattern;

/** The shapes names must have: DNS labels for images, services and volumes; POSIX-ish env keys. */
final class Names {
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]*[a-z0-9])?");
  private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  static final String DNS_LABEL_HINT =
      "use lowercase letters, digits and '-', starting and ending with a letter or digit, at most"
          + " 63 characters (like a DNS label)";
  static final String ENV_KEY_HINT =
      "use letters, digits and '_', not starting with a digit (like LOG_LEVEL)";

  private Names() {}

  /** Image, service and volume names end up in host names, paths and journal subjects. */
  static boolean isDnsLabel(String name) {
    return name.length() <= 63 && DNS_LABEL.matcher(name).matches();
  }

  static boolean isEnvKey(String name) {
    return ENV_KEY.matcher(name).matches();
  }
}
