package dev.kiln.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The bytes {@link EventCodec} writes for each of {@code EventCodecTest}'s samples, pinned: {@code
 * event-codec/v2-samples.txt} holds one line per sample ({@code kind json}), as the codec wrote
 * them when it was one file, before it was split by area. A change to the codec that changes what a
 * journal stores fails here; a new kind's sample adds its line.
 */
class EventCodecBytesTest {
  private static final String STORED = "/event-codec/v2-samples.txt";

  private static List<String> stored() throws IOException {
    try (InputStream in = EventCodecBytesTest.class.getResourceAsStream(STORED)) {
      assertThat(in).as(STORED).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
    }
  }

  private static String line(JournalEvent e) {
    return e.kind() + " " + Json.write(EventCodec.encode(e));
  }

  @Test
  void everySampleIsWrittenAsTheStoredBytes_andTheStoredBytesDecodeToIt() throws IOException {
    List<String> stored = stored();
    List<JournalEvent> samples = EventCodecTest.samples();
    for (int i = 0; i < samples.size(); i++) {
      JournalEvent sample = samples.get(i);
      assertThat(i)
          .as(
              "sample %d (%s) has no stored line; append to %s:%n%s",
              i, sample.kind(), STORED, line(sample))
          .isLessThan(stored.size());
      assertThat(line(sample)).as("sample %d (%s)", i, sample.kind()).isEqualTo(stored.get(i));
      String json = stored.get(i).substring(sample.kind().length() + 1);
      assertThat(EventCodec.decode(sample.kind(), sample.subject(), Json.parse(json)))
          .isEqualTo(sample);
    }
    assertThat(stored).hasSameSizeAs(samples);
  }
}
