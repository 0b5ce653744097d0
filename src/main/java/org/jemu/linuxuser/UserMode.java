package org.jemu.linuxuser;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** Starts a user-mode process: loads the program, wires host signals, runs the main guest thread. */
public final class UserMode {
    private UserMode() {}

    /** Size of the guest address space reserved on the host (1 TiB; the stack sits at Sv39's 256 GiB top). */
    public static final long GUEST_SPACE = 1L << 40;

    /** Loads {@code program} and runs it; never returns normally (exit_group halts the JVM). */
    public static void run(Options opts, String program, List<byte[]> argv, List<byte[]> envp,
                           Function<GuestMemory, Hart> hartFactory) {
        Path exe = Path.of(program);
        ElfLoader.Image img = ElfLoader.parse(exe, program);
        if (img.interp() != null) {
            Path ip = ProgramLoader.resolve(img.interp(), opts.ldPrefix);
            if (!Files.exists(ip)) throw new LinuxUserException("Could not open '" + img.interp() + "': No such file or directory", 255);
        }
        GuestMemory mem = GuestMemory.reserve(GUEST_SPACE, opts.guestBase);
        LinuxProcess p = new LinuxProcess(opts, mem, hartFactory);
        p.sys.reserveJvmFds();
        // signals ignored by whoever started us stay ignored for the guest (as across execve)
        for (int s = 1; s < 32; s++) {
            if (s != Sig.SIGKILL && s != Sig.SIGSTOP && Signals.hostIgnored(s)) p.sigact[s][0] = Sig.SIG_IGN;
        }
        ProgramLoader.Result r = ProgramLoader.load(mem, exe, program, img, argv, envp, opts.ldPrefix, opts.stackSize);
        p.exe = exe.toAbsolutePath();
        p.execName = program;
        p.argv = argv;
        p.brkStart = r.brk();
        p.brkCur = r.brk();
        p.mapSigtramp();
        Hart h = hartFactory.apply(mem);
        h.pc(r.entry());
        h.x(2, r.sp());
        GuestThread t = p.newThread(h);
        t.tid = p.pid;
        t.hostTid = (int) Host.syscall(Host.GETTID);
        p.threads.put(t.tid, t);
        if (org.jemu.util.Log.on(org.jemu.util.Log.Item.PAGE)) {
            org.jemu.util.Log.log(String.format("guest_base  0x%x", mem.guestBase));
            for (long[] reg : mem.regions()) org.jemu.util.Log.log(String.format("%016x-%016x %d", reg[0], reg[1], reg[2]));
            org.jemu.util.Log.log(String.format("entry       0x%016x%nstack_start 0x%016x%nbrk         0x%016x", r.entry(), r.sp(), r.brk()));
        }
        start(p, t);
    }

    static void start(LinuxProcess p, GuestThread t) {
        t.javaThread = Thread.currentThread();
        Signals.installWakeHandler();
        HostSignals.install(p);
        Threads.runThread(p, t);
    }

    /**
     * The launcher keeps fds 3..19 busy with /dev/null while the JVM starts (JEMU_PLACEHOLDER_FDS), so the
     * JVM's own descriptors land above them and the low numbers shell scripts use (exec 3>&1) stay free for
     * the guest. Call after everything the JVM opens at start (log file included) is open.
     */
    public static void releasePlaceholders(String list) {
        if (list == null || list.isEmpty()) return;
        for (String f : list.split(",")) {
            try {
                int fd = Integer.parseInt(f.trim());
                if (Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString().equals("/dev/null")) {
                    Host.syscall(Host.CLOSE, fd);
                }
            } catch (NumberFormatException | IOException ignored) {
                // not ours
            }
        }
    }

    /** Variables the launcher added for itself, hidden from the guest. */
    static boolean launcherVariable(String entry) {
        String added = System.getenv("JEMU_ENV_ADDED");
        if (entry.startsWith("JEMU_ENV_ADDED=") || entry.startsWith("JEMU_PLACEHOLDER_FDS=") || entry.startsWith("JEMU_GUEST_FDS=")) return true;
        if (added == null) return false;
        for (String n : added.split(" ")) if (!n.isEmpty() && entry.startsWith(n + "=")) return true;
        return false;
    }

    /** The host environment in its original order (what QEMU hands the guest), without the launcher's own variables. */
    public static List<String> hostEnvironment() {
        List<String> out = rawEnvironment();
        out.removeIf(UserMode::launcherVariable);
        return out;
    }

    private static List<String> rawEnvironment() {
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/self/environ"));
            List<String> out = new java.util.ArrayList<>();
            int s = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) { out.add(new String(b, s, i - s, StandardCharsets.UTF_8)); s = i + 1; }
            }
            return out;
        } catch (IOException e) {
            List<String> out = new java.util.ArrayList<>();
            System.getenv().forEach((k, v) -> out.add(k + "=" + v));
            return out;
        }
    }
}
