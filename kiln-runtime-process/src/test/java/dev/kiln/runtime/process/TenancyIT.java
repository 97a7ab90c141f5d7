package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.kiln.runtime.DriverContext;
import dev.kiln.runtime.ImageContent;
import dev.kiln.runtime.InstanceSpec;
import dev.kiln.runtime.InstanceStatus;
import dev.kiln.runtime.RuntimeDriver;
import dev.kiln.testkit.Await;
import dev.kiln.testkit.InMemoryImageSource;
import dev.kiln.testkit.Instances;
import dev.kiln.testkit.TestImages;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Instances as tenants, end to end through the process driver: the uid, the volume it owns, the
 * network none closes, the slot released at destroy.
 */
class TenancyIT {
  private static final ImageContent IMAGE = TestImages.busybox().build();
  @TempDir Path home;
  private RuntimeDriver driver;

  @AfterEach
  void cleanUp() {
    if (driver == null) return;
    driver.list().forEach(s -> driver.destroy(s.id()));
    driver.close();
  }

  @Test
  void anInstanceRunsAsItsServicesUid_ownsItsVolume_andNetworkNoneOpensNothing() throws Exception {
    assumeTrue(HostTools.find("bwrap").isPresent(), "bubblewrap is not installed");
    assumeTrue(InstanceNetworks.available(), "needs root, iproute2, nftables and nsenter");
    driver =
        new ProcessDriver(
            new DriverContext(
                home, Clock.systemUTC(), new InMemoryImageSource().add(IMAGE), Map.of()));
    InstanceSpec built =
        Instances.spec("closed", IMAGE.manifestDigest())
            .volume("state", "/data")
            .shell(
                "touch /data/mine; "
                    + "if echo x | nc -w 2 1.1.1.1 53 >/dev/null 2>&1; then echo EGRESS=open; "
                    + "else echo EGRESS=closed; fi; echo READY; exec httpd -f -p 127.0.0.1:$PORT -h /www")
            .build();
    InstanceSpec spec = withLabel(built, Tenancy.NETWORK_LABEL, "none");
    InstanceStatus started = driver.start(spec);
    assertThat(started.host()).isPresent();
    assertThat(started.detail().orElseThrow()).contains("tenant uid").contains("network kiln-");
    Await.httpGet(started.address(), spec.port(), "/");
    Await.untilTrue("READY", () -> driver.logs(spec.id(), 4096).contains("READY"));

    int uid = new TenantUids(home).of("web");
    Path volume = home.resolve("volumes/web/state");
    assertThat(Files.getAttribute(volume, "unix:uid")).isEqualTo(uid);
    assertThat(Files.getAttribute(volume.resolve("mine"), "unix:uid")).isEqualTo(uid);
    assertThat(driver.logs(spec.id(), 4096)).contains("EGRESS=closed");
    InstanceRecord record = InstanceRecord.read(home.resolve("instances/closed/instance.json"));
    NetworkSlot slot = record.slot().orElseThrow();
    Process list =
        new ProcessBuilder(
                "nsenter",
                "--net=" + slot.namespacePath(),
                "nft",
                "list",
                "table",
                "ip",
                "kiln_egress")
            .redirectErrorStream(true)
            .start();
    String rules = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(rules).contains("oifname \"eth0\" drop");
    assertThat(Files.readString(Path.of("/proc", Long.toString(record.pid()), "status")))
        .containsPattern("Uid:\\s+" + uid + "\\s");

    driver.stop(spec.id(), Duration.ofSeconds(5));
    driver.destroy(spec.id());
    assertThat(slot.namespacePath()).doesNotExist();
  }

  private static InstanceSpec withLabel(InstanceSpec s, String key, String value) {
    Map<String, String> labels = new java.util.LinkedHashMap<>(s.labels());
    labels.put(key, value);
    return new InstanceSpec(
        s.id(),
        s.service(),
        s.revision(),
        s.image(),
        s.command(),
        s.env(),
        s.secrets(),
        s.port(),
        s.volumes(),
        s.limits(),
        labels);
  }
}
