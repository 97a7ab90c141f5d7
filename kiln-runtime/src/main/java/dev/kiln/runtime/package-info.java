/**
 * The runtime SPI: how Kiln runs immutable instances, whatever runs them.
 *
 * <p>A driver ({@link dev.kiln.runtime.RuntimeDriver}) is found with {@link
 * java.util.ServiceLoader} through a {@link dev.kiln.runtime.RuntimeDriverFactory}, created with a
 * {@link dev.kiln.runtime.DriverContext} ({@code KILN_HOME}, a clock, an {@link
 * dev.kiln.runtime.ImageSource}) and describes itself with {@link dev.kiln.runtime.Capabilities}.
 * The design follows Nomad's task drivers: an interface plus a capabilities record, a re-attach
 * handle persisted by the driver so that a restarted agent adopts what is running instead of
 * starting duplicates, and one conformance suite (in {@code kiln-testkit}) that every driver
 * passes.
 *
 * <p>This module does not depend on the image store: the store implements {@link
 * dev.kiln.runtime.ImageSource}, and drivers do not trust it ({@link
 * dev.kiln.runtime.VerifiedBlobs} re-hashes every blob read). Health checks ({@code
 * dev.kiln.runtime.health}) run on top of any driver.
 */
package dev.kiln.runtime;
