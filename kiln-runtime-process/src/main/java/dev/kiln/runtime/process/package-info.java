/**
 * The {@code process} runtime: Kiln's embedded default, instances as local processes.
 *
 * <h2>Layout under {@code $KILN_HOME}</h2>
 *
 * <pre>
 * rootfs/&lt;manifest hex&gt;/root          the image, unpacked once (kiln-oci), bound read-only, shared
 * rootfs/&lt;manifest hex&gt;/tree.sha256   its fingerprint, re-checked before first use by a driver
 * rootfs/&lt;manifest hex&gt;/root.erofs    the tree as a reproducible erofs image (+ .sha256), mounted
 * rootfs/&lt;manifest hex&gt;/mnt           read-only on a loop device: the root instances run from
 * rootfs/&lt;manifest hex&gt;/root.squashfs the same with squashfs where erofs is unavailable, mounted
 * rootfs/&lt;manifest hex&gt;/mnt-squashfs  at mnt-squashfs (root-image=auto|erofs|squashfs|tree)
 * instances/&lt;id&gt;/instance.json        the re-attach handle (no secret values), written atomically
 * instances/&lt;id&gt;/status.json          bwrap's JSON status: the sandbox's pid, later its exit code
 * instances/&lt;id&gt;/log, log.1           stdout + stderr, bounded by copy-then-truncate
 * volumes/&lt;service&gt;/&lt;name&gt;            volumes: per service, so they survive replacement
 * </pre>
 *
 * <h2>Who supervises an instance, and why it is not Kiln</h2>
 *
 * <p>Instances must outlive the Kiln process that started them (invariant 5: the data plane does
 * not depend on the control plane), yet an instance must never run unsupervised. So each instance
 * gets its own supervisor, which is not Kiln: a {@code setsid sh} (new session: no terminal signal
 * from Kiln's session reaches it) that runs bwrap and waits for it. bwrap's monitor process writes
 * the sandbox's pid and, when it ends, its exit code to {@code status.json}, whether Kiln is alive
 * or not. bwrap runs with {@code --die-with-parent}, so if the supervisor shell is killed the
 * sandbox is killed too (no orphan). {@code --die-with-parent} on a bwrap started directly by Kiln
 * would have killed every instance on each Kiln restart, which is why the shell sits in between; it
 * costs one small process per instance (measured in bench/runtime.sh).
 *
 * <h2>Stop signals, and why the command is not pid 1</h2>
 *
 * <p>Each sandbox has its own pid namespace whose pid 1 is bubblewrap's tiny init; the command is
 * its child, pid 2. The command must not be pid 1 ({@code --as-pid-1}): the kernel drops any signal
 * sent to a namespace's pid 1 for which it has no handler, so a program without a SIGTERM handler
 * (busybox httpd, most shell scripts) would ignore the graceful stop and always be killed after the
 * whole grace period. As pid 2 it gets Docker's {@code --init} semantics: {@code stop} sends
 * SIGTERM to the command's host pid (that is the pid recorded, with its start time), so without a
 * handler it dies at once, with a handler it runs it, and SIG_IGN still means killed after the
 * grace. When the command ends, bwrap's monitor sees it (bwrap's init reports it), records its exit
 * code and exits; the init is tied to the monitor ({@code --die-with-parent}) and dies too, and a
 * pid namespace ends with its pid 1, so every process the instance left behind goes with it. A
 * signal-forwarding init (tini, dumb-init) would give the same result but is one more binary to
 * ship and bind into every image; bubblewrap's init already reaps zombies, which is all the sandbox
 * needs from a pid 1. Exec joins the namespace through {@code /proc/<pid>/ns/pid} of the recorded
 * pid, which is the same namespace whichever of its processes is named.
 *
 * <h2>Adoption</h2>
 *
 * {@code list()} reads every {@code instance.json}; an instance is running if its pid is alive
 * <em>with the recorded start time</em> ({@code /proc/<pid>/stat} field 22), so a recycled pid is
 * never mistaken for it and never signalled. Supervision of an adopted instance is by polling
 * {@code /proc} (state on demand, log rotation on a 1 s timer); its exit code comes from {@code
 * status.json}.
 *
 * <h2>Logs</h2>
 *
 * The instance writes straight into its log file ({@code O_APPEND}); no relay process sits in the
 * middle that could die with Kiln. The driver bounds the file by copying it to {@code log.1} and
 * truncating it when it passes {@code log-max-bytes} (10 MiB by default), on a timer and on each
 * read. Secrets are never written by Kiln: not to {@code instance.json}, not to Kiln's own log
 * lines (specs print redacted). What the instance itself prints is its own business.
 *
 * <h2>Without bubblewrap</h2>
 *
 * With {@code sandbox=none}, or {@code auto} and no {@code bwrap} on the PATH, the command runs as
 * a plain process from the unpacked rootfs (working directory = the rootfs, PATH mapped into it).
 * The root is not read-only, absolute paths mean the host's, volumes are not mounted and exec is
 * not supported; the driver logs a warning and its {@link dev.kiln.runtime.Capabilities} say so.
 *
 * <h2>Cgroups: limits and accounting</h2>
 *
 * Every instance gets its own cgroup ({@link dev.kiln.runtime.process.Cgroups}), v1 or v2 as the
 * host mounts it (decided when the driver starts), under {@code <parent>/<instance id>} (option
 * {@code cgroup-parent}, default {@code kiln-} and a digest of the driver's home, so two homes on
 * one host never share an instance's cgroup): the memory limit with no swap beyond it, a CPU quota
 * ({@code cpu} x a 100 ms period) and a pids limit, or none of them, but always the accounting. The
 * supervisor shell writes its own pid to the cgroup's {@code cgroup.procs} (one per v1 hierarchy)
 * before it starts bwrap, so nothing of the instance ever runs outside it; a failed join fails the
 * start. When the instance has ended, its last counters (CPU time, peak memory, OOM kills, refused
 * forks) go to {@code usage.json} in its directory and the cgroup is removed, so no empty cgroups
 * accumulate while the OOM kill stays reportable ({@link dev.kiln.runtime.Termination}). Adopted
 * instances keep their cgroups: the name is the instance id. On v1, joining costs one RCU grace
 * period (the kernel's cgroup migration lock), a few to tens of milliseconds on a loaded host; see
 * {@code bench/runtime.sh}. Without writable cgroups (not root, {@code cgroups=none}), instances
 * start unaccounted and a spec with limits is refused rather than run unlimited.
 *
 * <h2>Drift</h2>
 *
 * {@link dev.kiln.runtime.RuntimeDriver#drift()} reports what an instance does that its image did
 * not declare. Root filesystem: the shared root of each image is watched with inotify ({@link
 * RootWatcher}: every directory registered, each event's path re-read and compared with an index
 * built right after the root was verified), with a full re-read every {@code drift-verify-seconds}
 * (60) as the safety net; a change marks every instance running from that root, and the root is
 * distrusted, so the next start moves it aside ({@code .drifted-*}, kept: its instances still run
 * from it until they are replaced) and unpacks a fresh one. Processes ({@link InstanceScan}, every
 * {@code drift-idle-scan-ms} (800) while nothing changes, {@code drift-scan-ms} (500) after a
 * change): the instance's own procfs ({@code /proc/<command>/root/proc}, its pid namespace only, so
 * no walk of the host's {@code /proc}) is listed and only processes not seen before are inspected —
 * one that does not descend from its command (entered with {@code nsenter}) or runs an executable
 * from another device than the root ({@code /tmp}); every process again each 20th scan. The
 * driver's own exec is not drift. Sockets: a TCP listener held by the instance's processes on a
 * port other than the declared one (attributed to processes only when the namespace's set of
 * listeners changed). Environment and command ({@link MainProcess}): the main process's {@code
 * /proc/PID/environ} against the launched environment (keyed digests, never values; the evidence
 * names keys), and its command line against the one it served with (fixed at the first scan that
 * sees its declared port listened on, so an entrypoint's own {@code exec} is not drift). Findings
 * are sticky per instance. Where the host can ({@link RootChoice}: probed once per driver), the
 * instances' root is not the tree but its erofs (else squashfs) image on a loop device ({@link
 * ImageMount}): read-only even to root on the host, so root drift cannot happen there at all; the
 * watcher then watches that mount.
 *
 * <h2>Known limits</h2>
 *
 * Volume mount points must exist as directories in the image (the root is read-only, so the sandbox
 * cannot create them). The image's {@code User} is not applied: the instance runs as the Kiln user,
 * without capabilities and with no-new-privileges. Exec (for health probes) runs in a sibling
 * sandbox that joins the instance's pid namespace: same root, volumes, network and processes, but
 * its own {@code /tmp}, and without the secrets (their values are never stored); it stays outside
 * the instance's cgroup, so a probe is neither refused by a full pids limit nor counted in the
 * instance's usage.
 */
package dev.kiln.runtime.process;
