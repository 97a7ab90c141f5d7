package dev.kiln.runtime.process;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The seccomp filter instances run under, as the classic BPF program bwrap takes with {@code
 * --seccomp FD}: the system calls that Docker's default profile refuses to containers, answered
 * with EPERM — loading kernel modules or BPF programs, mounting, new namespaces, keyrings, ptrace
 * of other processes, clock and swap changes, reboot. Everything else is allowed. A deny-list keeps
 * every ordinary program working; it closes what an instance's root (already only root of its own
 * user namespace) could otherwise still try against the kernel. Calls of the x32 ABI and of any
 * other architecture are refused as a whole, as Docker does.
 *
 * <p>Built in Java, no libseccomp: the program is a fixed shape (check the architecture, load the
 * call number, compare, return), written once and unit-tested instruction by instruction.
 */
public final class SeccompFilter {
  private SeccompFilter() {}

  static final int AUDIT_ARCH_X86_64 = 0xC000003E;
  static final int X32_SYSCALL_BIT = 0x40000000;
  static final int RET_ALLOW = 0x7FFF0000;
  static final int RET_ERRNO_EPERM = 0x00050000 | 1;
  static final int RET_KILL_PROCESS = 0x80000000;

  private static final short LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
  private static final short JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
  private static final short JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
  private static final short RET_K = 0x06; // BPF_RET | BPF_K

  /** x86_64 numbers of the calls refused (Docker's default profile leaves these out). */
  static final Map<String, Integer> DENIED_X86_64 = denied();

  private static Map<String, Integer> denied() {
    Map<String, Integer> m = new LinkedHashMap<>();
    m.put("ptrace", 101);
    m.put("syslog", 103);
    m.put("uselib", 134);
    m.put("personality", 135);
    m.put("ustat", 136);
    m.put("sysfs", 139);
    m.put("_sysctl", 156);
    m.put("adjtimex", 159);
    m.put("chroot", 161);
    m.put("acct", 163);
    m.put("settimeofday", 164);
    m.put("mount", 165);
    m.put("umount2", 166);
    m.put("swapon", 167);
    m.put("swapoff", 168);
    m.put("reboot", 169);
    m.put("sethostname", 170);
    m.put("setdomainname", 171);
    m.put("iopl", 172);
    m.put("ioperm", 173);
    m.put("create_module", 174);
    m.put("init_module", 175);
    m.put("delete_module", 176);
    m.put("get_kernel_syms", 177);
    m.put("query_module", 178);
    m.put("quotactl", 179);
    m.put("nfsservctl", 180);
    m.put("lookup_dcookie", 212);
    m.put("clock_settime", 227);
    m.put("vserver", 236);
    m.put("mbind", 237);
    m.put("set_mempolicy", 238);
    m.put("get_mempolicy", 239);
    m.put("kexec_load", 246);
    m.put("add_key", 248);
    m.put("request_key", 249);
    m.put("keyctl", 250);
    m.put("migrate_pages", 256);
    m.put("unshare", 272);
    m.put("move_pages", 279);
    m.put("perf_event_open", 298);
    m.put("fanotify_init", 300);
    m.put("name_to_handle_at", 303);
    m.put("open_by_handle_at", 304);
    m.put("clock_adjtime", 305);
    m.put("setns", 308);
    m.put("process_vm_readv", 310);
    m.put("process_vm_writev", 311);
    m.put("kcmp", 312);
    m.put("finit_module", 313);
    m.put("kexec_file_load", 320);
    m.put("bpf", 321);
    m.put("userfaultfd", 323);
    m.put("pkey_mprotect", 329);
    m.put("open_tree", 428);
    m.put("move_mount", 429);
    m.put("fsopen", 430);
    m.put("fsconfig", 431);
    m.put("fsmount", 432);
    m.put("fspick", 433);
    m.put("pidfd_getfd", 438);
    m.put("mount_setattr", 442);
    return Map.copyOf(m);
  }

  /** The filter for this host's architecture, or empty where Kiln has no table for it. */
  public static Optional<byte[]> forHost() {
    String arch = System.getProperty("os.arch");
    if (arch.equals("amd64") || arch.equals("x86_64")) return Optional.of(x86_64());
    return Optional.empty();
  }

  /** The program as bwrap reads it: {@code struct sock_filter} entries, native (little) endian. */
  static byte[] x86_64() {
    int[] numbers = DENIED_X86_64.values().stream().mapToInt(Integer::intValue).sorted().toArray();
    int n = numbers.length;
    // 0 ld arch; 1 jeq x86_64 ? 3 : 2; 2 kill; 3 ld nr; 4 jge x32 → deny; 5..5+n-1 jeq nr → deny;
    // 5+n allow; 6+n deny.
    ByteBuffer b = ByteBuffer.allocate((7 + n) * 8).order(ByteOrder.LITTLE_ENDIAN);
    insn(b, LD_W_ABS, 0, 0, 4); // seccomp_data.arch
    insn(b, JEQ_K, 1, 0, AUDIT_ARCH_X86_64);
    insn(b, RET_K, 0, 0, RET_KILL_PROCESS);
    insn(b, LD_W_ABS, 0, 0, 0); // seccomp_data.nr
    insn(b, JGE_K, n + 1, 0, X32_SYSCALL_BIT);
    for (int i = 0; i < n; i++) insn(b, JEQ_K, n - i, 0, numbers[i]);
    insn(b, RET_K, 0, 0, RET_ALLOW);
    insn(b, RET_K, 0, 0, RET_ERRNO_EPERM);
    return b.array();
  }

  private static void insn(ByteBuffer b, short code, int jt, int jf, int k) {
    if (jt > 255 || jf > 255) throw new IllegalStateException("BPF jump too long");
    b.putShort(code).put((byte) jt).put((byte) jf).putInt(k);
  }
}
