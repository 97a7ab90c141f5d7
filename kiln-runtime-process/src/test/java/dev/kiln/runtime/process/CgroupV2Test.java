package dev.kiln.runtime.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.kiln.model.Resources;
import dev.kiln.runtime.Usage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cgroup v2 layout against a fake cgroupfs in a temp directory (this project's machines mount
 * v1, which {@code ProcessDriverLimitsIT} covers for real): which files get which values, and how
 * usage is read from the files the kernel would keep.
 */
class CgroupV2Test {
  @TempDir Path fs;

  @BeforeEach
  void aUnifiedHierarchy() throws IOException {
    Files.writeString(fs.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
  }

  @Test
  void detect_choosesV2_whenTheRootHasCgroupControllers() {
    assertThat(Cgroups.detect(fs, "kiln")).containsInstanceOf(CgroupV2.class);
    assertThat(Cgroups.detect(fs, "kiln").orElseThrow().version()).isEqualTo("v2");
  }

  @Test
  void detect_choosesV1_whenTheControllersAreMountedApart() throws IOException {
    Path v1 = Files.createTempDirectory(fs, "v1");
    for (String c : Cgroups.V1_CONTROLLERS) Files.createDirectory(v1.resolve(c));

    assertThat(Cgroups.detect(v1, "kiln")).containsInstanceOf(CgroupV1.class);
    assertThat(Cgroups.detect(fs.resolve("nothing"), "kiln")).isEmpty();
  }

  @Test
  void create_delegatesTheControllers_andWritesMemoryWithoutSwap_cpuQuota_andPids()
      throws IOException {
    Cgroups cgroups = Cgroups.detect(fs, "kiln").orElseThrow();

    var join = cgroups.create("web-1", new Resources(256L * 1024 * 1024, 500, 128));

    Path dir = fs.resolve("kiln/web-1");
    assertThat(join).containsExactly(dir.resolve("cgroup.procs"));
    assertThat(Files.readString(fs.resolve("cgroup.subtree_control")))
        .isEqualTo("+memory +cpu +pids");
    assertThat(Files.readString(fs.resolve("kiln/cgroup.subtree_control")))
        .isEqualTo("+memory +cpu +pids");
    assertThat(Files.readString(dir.resolve("memory.max"))).isEqualTo("268435456");
    assertThat(Files.readString(dir.resolve("memory.swap.max"))).isEqualTo("0");
    assertThat(Files.readString(dir.resolve("cpu.max"))).isEqualTo("50000 100000");
    assertThat(Files.readString(dir.resolve("pids.max"))).isEqualTo("128");
  }

  @Test
  void create_withoutLimits_writesNoLimitFiles() {
    Cgroups cgroups = Cgroups.detect(fs, "kiln").orElseThrow();

    cgroups.create("web-2", Resources.UNLIMITED);

    assertThat(fs.resolve("kiln/web-2")).isDirectory();
    assertThat(fs.resolve("kiln/web-2/memory.max")).doesNotExist();
    assertThat(fs.resolve("kiln/web-2/cpu.max")).doesNotExist();
  }

  @Test
  void usage_readsCpuMemoryPidsAndTheOomAndPidsEvents() throws IOException {
    Cgroups cgroups = Cgroups.detect(fs, "kiln").orElseThrow();
    cgroups.create("web-3", new Resources(64L * 1024 * 1024, 0, 0));
    Path dir = fs.resolve("kiln/web-3");
    Files.writeString(
        dir.resolve("cpu.stat"), "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n");
    Files.writeString(dir.resolve("memory.current"), "4096\n");
    Files.writeString(dir.resolve("memory.peak"), "67108864\n");
    Files.writeString(dir.resolve("pids.current"), "3\n");
    Files.writeString(
        dir.resolve("memory.events"),
        "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
    Files.writeString(dir.resolve("pids.events"), "max 0\n");

    Usage usage = cgroups.usage("web-3");

    assertThat(usage).isEqualTo(new Usage(1_500_000, 4096, 67108864, 3, 1, 0));
  }

  @Test
  void usage_withoutMemoryPeak_takesTheCurrentUse() throws IOException {
    Cgroups cgroups = Cgroups.detect(fs, "kiln").orElseThrow();
    cgroups.create("web-4", Resources.UNLIMITED);
    Files.writeString(fs.resolve("kiln/web-4/memory.current"), "8192\n");

    assertThat(cgroups.usage("web-4").memoryPeakBytes()).isEqualTo(8192);
  }

  @Test
  void remove_deletesTheCgroupDirectory_onceTheKernelHasEmptiedIt() throws IOException {
    Cgroups cgroups = Cgroups.detect(fs, "kiln").orElseThrow();
    cgroups.create("web-5", new Resources(0, 0, 10));
    assertThat(cgroups.exists("web-5")).isTrue();

    assertThat(cgroups.remove("web-5")).isFalse(); // the fake still "holds" files
    try (var files = Files.list(fs.resolve("kiln/web-5"))) {
      for (Path f : files.toList()) Files.delete(f); // on cgroupfs, rmdir needs no such step
    }

    assertThat(cgroups.remove("web-5")).isTrue();
    assertThat(cgroups.exists("web-5")).isFalse();
  }

  @Test
  void eachKilnHomeHasAParentOfItsOwn_andFindsItAgain() {
    String a = Cgroups.defaultParent(Path.of("/home/ann/.kiln"));
    assertThat(a).startsWith("kiln-").hasSize("kiln-".length() + 12);
    assertThat(Cgroups.defaultParent(Path.of("/home/ann/./.kiln"))).isEqualTo(a);
    assertThat(Cgroups.defaultParent(Path.of("/home/bob/.kiln"))).isNotEqualTo(a);
  }
}
