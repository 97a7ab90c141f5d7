package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launch chain as data, and the per-service uids. */
class TenantTest {
  @TempDir Path home;

  private static final List<String> BWRAP =
      List.of("/usr/bin/bwrap", "--ro-bind", "/r", "/", "--", "/bin/app");

  @Test
  void wrap_entersTheNetwork_dropsToTheUid_andMapsItToRootOfAUserNamespace_underSeccomp() {
    Tenant t =
        new Tenant(
            1_234_567,
            Optional.of(new NetworkSlot(5)),
            Path.of("/usr/bin/nsenter"),
            Path.of("/usr/bin/setpriv"),
            Tenant.SECCOMP_FD);

    assertThat(t.wrap(BWRAP))
        .containsExactly(
            "/usr/bin/nsenter",
            "--net=/run/netns/kiln-5",
            "/usr/bin/setpriv",
            "--reuid",
            "1234567",
            "--regid",
            "1234567",
            "--clear-groups",
            "/usr/bin/bwrap",
            "--unshare-user",
            "--uid",
            "0",
            "--gid",
            "0",
            "--seccomp",
            "4",
            "--ro-bind",
            "/r",
            "/",
            "--",
            "/bin/app");
    assertThat(t.host()).contains(new NetworkSlot(5).instanceAddress());
  }

  @Test
  void withoutASlot_theHostNetworkIsKept_butNotTheUid() {
    Tenant t =
        new Tenant(1_000_001, Optional.empty(), Path.of("/n"), Path.of("/usr/bin/setpriv"), 4);
    assertThat(t.wrap(BWRAP)).startsWith("/usr/bin/setpriv", "--reuid", "1000001");
    assertThat(t.host()).isEmpty();
  }

  @Test
  void aLowUidOrAHighFdIsRefused() {
    assertThatThrownBy(() -> new Tenant(0, Optional.empty(), Path.of("/n"), Path.of("/s"), 4))
        .hasMessageContaining("uid");
    assertThatThrownBy(
            () -> new Tenant(1_000_000, Optional.empty(), Path.of("/n"), Path.of("/s"), 10))
        .hasMessageContaining("fd");
  }

  @Test
  void eachServiceKeepsOneUid_acrossRestarts_andServicesGetDifferentOnes() throws Exception {
    TenantUids uids = new TenantUids(home);
    int web = uids.of("web");
    int db = uids.of("db");
    assertThat(web).isGreaterThanOrEqualTo(TenantUids.FIRST);
    assertThat(db).isNotEqualTo(web);
    assertThat(new TenantUids(home).of("web")).isEqualTo(web);
    assertThat(Files.readString(home.resolve("tenants/web.uid")).strip())
        .isEqualTo(Integer.toString(web));
  }

  @Test
  void aTamperedUidFileIsAnErrorNamingIt() throws Exception {
    Files.createDirectories(home.resolve("tenants"));
    Files.writeString(home.resolve("tenants/web.uid"), "0\n");
    assertThatThrownBy(() -> new TenantUids(home).of("web"))
        .hasMessageContaining("web.uid")
        .hasMessageContaining("remove it");
  }
}
