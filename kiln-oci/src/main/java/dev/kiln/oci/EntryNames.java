package dev.kiln.oci;

import java.util.ArrayList;
import java.util.List;

/** Tar entry names as path components inside an image root. */
public final class EntryNames {
  private EntryNames() {}

  /**
   * The components of a tar entry name relative to the layer root ({@code ./a/b/} → [a, b]).
   * Absolute names and {@code ..} are refused rather than cleaned: a layer that contains them was
   * made by something Kiln should not trust.
   */
  public static List<String> split(String name) throws EntryRefused {
    if (name.startsWith("/")) {
      throw new EntryRefused("absolute name '" + name + "' escapes the image root");
    }
    if (name.indexOf('\0') >= 0) throw new EntryRefused("name contains a NUL byte");
    List<String> parts = new ArrayList<>();
    for (String p : name.split("/")) {
      if (p.isEmpty() || p.equals(".")) continue;
      if (p.equals("..")) {
        throw new EntryRefused("name '" + name + "' contains '..' and would escape the image root");
      }
      parts.add(p);
    }
    return parts;
  }

  /** The image path of a tar entry name: {@code ./usr/bin/} → {@code /usr/bin}. */
  public static String imagePath(String name) throws EntryRefused {
    return "/" + String.join("/", split(name));
  }
}
