package dev.kiln.router;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;

/**
 * The little of OCSP (RFC 6960) that stapling needs, in plain DER and without a dependency: the
 * responder a certificate names (its Authority Information Access extension), a request for one
 * certificate, and the status, validity and certificate status of an answer. Pure: bytes in, values
 * out. The response's signature is not verified here — the client that receives the staple does
 * that against the issuer it trusts; the router only avoids stapling an answer that is not a
 * successful, current "good".
 */
final class Ocsp {
  private Ocsp() {}

  /** What a responder said about the certificate. */
  enum CertStatus {
    GOOD,
    REVOKED,
    UNKNOWN
  }

  /**
   * A parsed, successful answer.
   *
   * @param nextUpdate when the responder will have newer information; empty if it did not say
   */
  record Answer(CertStatus status, Instant thisUpdate, Optional<Instant> nextUpdate) {}

  private static final String AIA = "1.3.6.1.5.5.7.1.1";
  private static final byte[] OCSP_METHOD = oid(1, 3, 6, 1, 5, 5, 7, 48, 1);
  private static final byte[] SHA1 = oid(1, 3, 14, 3, 2, 26);

  /** The OCSP responder URL of the certificate's AIA extension, if it names one over HTTP. */
  static Optional<URI> responder(X509Certificate cert) {
    byte[] ext = cert.getExtensionValue(AIA);
    if (ext == null) return Optional.empty();
    try {
      Der octets = Der.read(ext, 0);
      Der seq = Der.read(octets.value(ext), 0); // AuthorityInfoAccessSyntax
      byte[] aia = seq.value(octets.value(ext));
      for (int p = 0; p < aia.length; ) {
        Der access = Der.read(aia, p);
        byte[] a = access.value(aia);
        Der method = Der.read(a, 0);
        Der location = Der.read(a, method.end());
        if (java.util.Arrays.equals(method.encoded(a), OCSP_METHOD) && location.tag() == 0x86) {
          String uri = new String(location.value(a), StandardCharsets.US_ASCII);
          if (uri.startsWith("http://") || uri.startsWith("https://"))
            return Optional.of(URI.create(uri));
        }
        p = access.end();
      }
    } catch (RuntimeException e) {
      // an unreadable extension names no responder: no stapling for this certificate
    }
    return Optional.empty();
  }

  /**
   * An OCSPRequest for {@code cert} issued by {@code issuer} (SHA-1 CertID, as responders expect).
   */
  static byte[] request(X509Certificate cert, X509Certificate issuer) {
    byte[] nameHash = sha1(issuer.getSubjectX500Principal().getEncoded());
    byte[] keyHash = sha1(subjectPublicKeyBits(issuer.getPublicKey().getEncoded()));
    byte[] algorithm = tlv(0x30, concat(SHA1, new byte[] {0x05, 0x00}));
    byte[] certId =
        tlv(
            0x30,
            concat(
                algorithm,
                tlv(0x04, nameHash),
                tlv(0x04, keyHash),
                tlv(0x02, cert.getSerialNumber().toByteArray())));
    byte[] request = tlv(0x30, certId);
    byte[] tbs = tlv(0x30, tlv(0x30, request));
    return tlv(0x30, tbs);
  }

  /**
   * The certificate status of a response for the certificate with {@code serial}.
   *
   * @throws RouterException when the response is not a successful basic OCSP response for it
   */
  static Answer parse(byte[] response, BigInteger serial) {
    try {
      Der outer = Der.read(response, 0);
      byte[] o = outer.value(response);
      Der status = Der.read(o, 0);
      int code = status.value(o)[0];
      if (code != 0)
        throw new RouterException(
            "OCSP responder answered status " + code + " (" + statusName(code) + ")");
      Der bytesTag = Der.read(o, status.end()); // [0] EXPLICIT ResponseBytes
      byte[] rb = Der.read(bytesTag.value(o), 0).value(bytesTag.value(o));
      Der type = Der.read(rb, 0);
      Der basicOctets = Der.read(rb, type.end());
      byte[] basic = basicOctets.value(rb);
      byte[] b = Der.read(basic, 0).value(basic); // BasicOCSPResponse
      Der tbs = Der.read(b, 0);
      byte[] t = tbs.value(b); // ResponseData
      int p = 0;
      Der first = Der.read(t, p);
      if (first.tag() == 0xA0) p = first.end(); // version
      p = Der.read(t, p).end(); // responderID
      p = Der.read(t, p).end(); // producedAt
      Der responses = Der.read(t, p);
      byte[] rs = responses.value(t);
      for (int q = 0; q < rs.length; ) {
        Der single = Der.read(rs, q);
        byte[] s = single.value(rs);
        Der certId = Der.read(s, 0);
        byte[] c = certId.value(s);
        int r = Der.read(c, 0).end(); // hash algorithm
        r = Der.read(c, r).end(); // issuer name hash
        r = Der.read(c, r).end(); // issuer key hash
        BigInteger sn = new BigInteger(Der.read(c, r).value(c));
        Der certStatus = Der.read(s, certId.end());
        Der thisUpdate = Der.read(s, certStatus.end());
        Optional<Instant> next = Optional.empty();
        if (thisUpdate.end() < s.length) {
          Der n = Der.read(s, thisUpdate.end());
          if (n.tag() == 0xA0) next = Optional.of(time(Der.read(n.value(s), 0).value(n.value(s))));
        }
        if (sn.equals(serial)) {
          CertStatus cs =
              switch (certStatus.tag()) {
                case 0x80 -> CertStatus.GOOD;
                case 0xA1, 0x81 -> CertStatus.REVOKED;
                default -> CertStatus.UNKNOWN;
              };
          return new Answer(cs, time(thisUpdate.value(s)), next);
        }
        q = single.end();
      }
      throw new RouterException("OCSP response does not cover serial " + serial.toString(16));
    } catch (RouterException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new RouterException("OCSP response is not readable DER (" + e + ")", e);
    }
  }

  private static String statusName(int code) {
    return switch (code) {
      case 1 -> "malformedRequest";
      case 2 -> "internalError";
      case 3 -> "tryLater";
      case 5 -> "sigRequired";
      case 6 -> "unauthorized";
      default -> "unknown";
    };
  }

  /** GeneralizedTime YYYYMMDDHHMMSS[.f]Z. */
  private static Instant time(byte[] v) {
    String s = new String(v, StandardCharsets.US_ASCII);
    String base = s.substring(0, 14);
    return LocalDateTime.parse(base, DateTimeFormatter.ofPattern("yyyyMMddHHmmss"))
        .toInstant(ZoneOffset.UTC);
  }

  /** The BIT STRING contents (less the unused-bits byte) of a SubjectPublicKeyInfo. */
  private static byte[] subjectPublicKeyBits(byte[] spki) {
    byte[] s = Der.read(spki, 0).value(spki);
    Der alg = Der.read(s, 0);
    Der bits = Der.read(s, alg.end());
    byte[] v = bits.value(s);
    return java.util.Arrays.copyOfRange(v, 1, v.length);
  }

  private static byte[] sha1(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-1").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] oid(int... arcs) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(arcs[0] * 40 + arcs[1]);
    for (int i = 2; i < arcs.length; i++) {
      int a = arcs[i];
      int n = 0;
      byte[] tmp = new byte[5];
      do {
        tmp[n++] = (byte) (a & 0x7F);
        a >>>= 7;
      } while (a != 0);
      for (int j = n - 1; j >= 0; j--) out.write(tmp[j] | (j > 0 ? 0x80 : 0));
    }
    return tlv(0x06, out.toByteArray());
  }

  static byte[] tlv(int tag, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int len = value.length;
    if (len < 0x80) out.write(len);
    else if (len < 0x100) {
      out.write(0x81);
      out.write(len);
    } else if (len < 0x10000) {
      out.write(0x82);
      out.write(len >> 8);
      out.write(len);
    } else {
      out.write(0x83);
      out.write(len >> 16);
      out.write(len >> 8);
      out.write(len);
    }
    out.writeBytes(value);
    return out.toByteArray();
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) out.writeBytes(p);
    return out.toByteArray();
  }

  /** One DER element inside a buffer: its tag, where its value starts and where it ends. */
  record Der(int tag, int start, int valueStart, int end) {
    static Der read(byte[] b, int at) {
      int tag = b[at] & 0xFF;
      int len = b[at + 1] & 0xFF;
      int p = at + 2;
      if (len >= 0x80) {
        int n = len & 0x7F;
        if (n == 0 || n > 3) throw new IllegalArgumentException("unsupported DER length");
        len = 0;
        for (int i = 0; i < n; i++) len = (len << 8) | (b[p++] & 0xFF);
      }
      if (p + len > b.length) throw new IllegalArgumentException("DER element past its buffer");
      return new Der(tag, at, p, p + len);
    }

    byte[] value(byte[] b) {
      return java.util.Arrays.copyOfRange(b, valueStart, end);
    }

    byte[] encoded(byte[] b) {
      return java.util.Arrays.copyOfRange(b, start, end);
    }
  }
}
