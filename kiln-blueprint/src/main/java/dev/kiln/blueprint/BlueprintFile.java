package dev.kiln.blueprint;

import dev.kiln.model.Location;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/**
 * Reads a blueprint file's bytes within {@link BlueprintLimits}: its type and size are checked from
 * its metadata before it is opened, so a FIFO (which would block the open), a device such as {@code
 * /dev/zero} (which never ends) or a folder is refused at once; the read itself stops one byte past
 * the limit, in case the file grew after it was checked.
 */
final class BlueprintFile {
  private BlueprintFile() {}

  static byte[] read(Path file) {
    BasicFileAttributes attributes;
    try {
      attributes = Files.readAttributes(file, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      throw fail(file, "no such file", "create it, or point to it with -f <file>");
    } catch (IOException e) {
      throw fail(file, "cannot read: " + e.getMessage(), "");
    }
    if (attributes.isDirectory()) {
      throw fail(
          file,
          "is a folder, not a blueprint file",
          "point to the kiln.yaml inside it with -f <folder>/kiln.yaml");
    }
    if (!attributes.isRegularFile()) {
      throw fail(
          file,
          "is not a regular file (a FIFO, socket or device?), so it was not read",
          "a blueprint is a YAML file; point to it with -f <file>");
    }
    if (attributes.size() > BlueprintLimits.MAX_BYTES) {
      throw fail(file, BlueprintLimits.tooLarge(attributes.size()), BlueprintLimits.SIZE_HINT);
    }
    byte[] bytes;
    try (InputStream in = Files.newInputStream(file)) {
      bytes = in.readNBytes(BlueprintLimits.MAX_BYTES + 1);
    } catch (IOException e) {
      throw fail(file, "cannot read: " + e.getMessage(), "");
    }
    if (bytes.length > BlueprintLimits.MAX_BYTES) {
      throw fail(
          file,
          "grew past " + BlueprintLimits.MAX_BYTES + " bytes while it was read",
          BlueprintLimits.SIZE_HINT);
    }
    return bytes;
  }

  static BlueprintException fail(Path file, String message, String hint) {
    return new BlueprintException(List.of(new Problem(new Location(file, 0, 0), message, hint)));
  }
}
