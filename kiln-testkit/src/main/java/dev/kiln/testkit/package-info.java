/**
 * Test support shared by Kiln's modules: a {@link dev.kiln.testkit.MutableClock}, an in-memory
 * {@link dev.kiln.testkit.FakeDriver} for controller tests, real OCI images built in code ({@link
 * dev.kiln.testkit.TestImages}, {@link dev.kiln.testkit.TarLayer}) served by an {@link
 * dev.kiln.testkit.InMemoryImageSource}, and the runtime driver conformance suite ({@link
 * dev.kiln.testkit.DriverConformance}) that every driver module subclasses in an {@code *IT}.
 */
package dev.kiln.testkit;
