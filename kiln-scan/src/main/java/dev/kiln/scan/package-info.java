/**
 * Advisories matched to images: the scanner behind {@code kiln scan}, and what {@code kiln patch}
 * and admission will call.
 *
 * <p>The flow is read, then decide. {@link dev.kiln.scan.AdvisoryDb#load} reads an offline feed
 * (OSV records as osv.dev publishes them per ecosystem, the Debian Security Tracker's JSON; a
 * directory, a zip or a file) with every size bounded and every malformed part turned into a
 * located {@link dev.kiln.scan.ScanWarning} instead of an exception. {@link
 * dev.kiln.scan.ImageSbom} reads the packages out of the CycloneDX SBOM that the baker attached.
 * {@link dev.kiln.scan.Scanner#scan} is then a pure function of the two.
 *
 * <p>Three rules keep Debian matching honest (the false positives and negatives of other scanners
 * come from breaking them): advisories are about <em>source</em> packages, so binaries are mapped
 * through dpkg's {@code Source:} field, which the SBOM records; versions are compared exactly as
 * dpkg compares them ({@link dev.kiln.scan.DebianVersion}, checked against the real {@code dpkg});
 * and only the image's own release is matched ({@code Debian:12} or {@code bookworm}), never
 * upstream versions or CPEs.
 */
package dev.kiln.scan;
