package dev.kiln.runtime.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.StoredSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * The instance spec as stored in a container label, so that a new driver object can rebuild it from
 * the engine alone (the engine is the record: nothing is kept on the Kiln side). Secret values are
 * left out; only their names are kept.
 */
record ContainerSpec(StoredSpec stored, String startedAt) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ContainerSpec of(InstanceSpec spec, String startedAt) {
    return new ContainerSpec(StoredSpec.of(spec), startedAt);
  }

  InstanceSpec spec() {
    return stored.spec();
  }

  String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static ContainerSpec fromJson(@Nullable String json) {
    if (json == null) throw new UncheckedIOException(new IOException("no Kiln spec label"));
    try {
      return JSON.readValue(json, ContainerSpec.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
