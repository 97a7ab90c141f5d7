package dev.kiln.server;

import static dev.kiln.server.EventFields.field;
import static dev.kiln.server.EventFields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;

/**
 * The JSON of the certificate kinds, for {@link EventCodec} (same rules: fixed field order). The
 * chain is public and journaled whole; only the key's secret name is, never the key.
 */
final class CertificateCodec {
  private CertificateCodec() {}

  static void encode(JournalEvent.CertificateInstalled e, ObjectNode n) {
    n.put("service", e.service());
    n.put("host", e.host());
    n.put("certFile", e.certFile());
    n.put("fingerprint", e.fingerprint());
    n.put("notAfter", e.notAfter().toString());
    n.put("certSubject", e.certSubject());
    n.put("chainPem", e.chainPem());
    n.put("keySecret", e.keySecret());
    n.put("redirect", e.redirect());
    n.put("hsts", e.hsts());
  }

  static JournalEvent.CertificateInstalled certificateInstalled(JsonNode n) {
    return new JournalEvent.CertificateInstalled(
        text(n, "service"),
        text(n, "host"),
        text(n, "certFile"),
        text(n, "fingerprint"),
        Instant.parse(text(n, "notAfter")),
        text(n, "certSubject"),
        text(n, "chainPem"),
        text(n, "keySecret"),
        field(n, "redirect").asBoolean(),
        field(n, "hsts").asBoolean());
  }

  static void encode(JournalEvent.CertificateRemoved e, ObjectNode n) {
    n.put("service", e.service());
    n.put("fingerprint", e.fingerprint());
  }

  static JournalEvent.CertificateRemoved certificateRemoved(JsonNode n) {
    return new JournalEvent.CertificateRemoved(text(n, "service"), text(n, "fingerprint"));
  }
}
