package dev.kiln.runtime.swarm;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.StoredSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.jspecify.annotations.Nullable;

/**
 * The instance spec as stored in a service label, so that a new driver object rebuilds it from the
 * manager alone (the swarm is the record). Secret values are left out; only their names are kept.
 */
record ServiceRecord(StoredSpec stored, String startedAt) {
  private static final ObjectMapper JSON = new ObjectMapper();

  static ServiceRecord of(InstanceSpec spec, String startedAt) {
    return new ServiceRecord(StoredSpec.of(spec), startedAt);
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

  static ServiceRecord fromJson(@Nullable String json) {
    if (json == null) throw new UncheckedIOException(new IOException("no Kiln record label"));
    try {
      return JSON.readValue(json, ServiceRecord.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
