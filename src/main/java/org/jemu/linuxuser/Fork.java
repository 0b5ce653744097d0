package org.jemu.linuxuser;

import org.jemu.util.Log;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * fork/vfork for a guest that lives inside a JVM. A host fork() of the JVM would leave the child with one
 * thread and no GC, JIT or VM thread — it can hang on its first safepoint. Instead the child is a fresh JVM
 * started with posix_spawn (what the JDK itself uses to start processes): it inherits the guest's file
 * descriptors as they are (open file descriptions shared, as after fork), and reads the rest of the
 * process — every guest mapping with its contents, registers, signal state, brk — from a memfd the
 * parent filled. The child's host pid is the pid the guest sees; wait4 and kill act on it directly.
 *
 * <p>Differences from Linux: MAP_SHARED mappings become private copies in the child, and vfork/CLONE_VM
 * children do not share memory with the parent (QEMU's linux-user does the same for vfork).
 */
public final class Fork {
    private Fork() {}

    private static final int MAGIC = 0x6a656d75; // "jemu"
    public static final String CHILD_OPTION = "--jemu-fork-child";
    public static final String MAIN_CLASS = "org.jemu.cli.UserRiscv64";

    static long fork(LinuxProcess p, GuestThread t, long flags, long newsp, long ptid, long tls, long ctid) {
        GuestMemory m = p.mem;
        if ((flags & Threads.CLONE_PARENT_SETTID) != 0 && !m.check(ptid, 4, GuestMemory.PAGE_WRITE)) return -Errno.EFAULT;
        long fd;
        try (Arena a = Arena.ofConfined()) {
            fd = Host.syscall(Host.MEMFD_CREATE, a.allocateFrom("jemu-fork").address(), 0);
        }
        if (fd < 0) return fd;
        try {
            List<long[]> regions = m.regions();
            byte[] header = header(p, t, flags, newsp, tls, ctid, regions);
            try (Arena a = Arena.ofConfined()) {
                MemorySegment h = a.allocate(8 + header.length);
                h.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, header.length);
                MemorySegment.copy(header, 0, h, ValueLayout.JAVA_BYTE, 8, header.length);
                long r = writeAll(fd, h.address(), h.byteSize());
                if (r < 0) return r;
            }
            for (long[] reg : regions) {
                long r = writeAll(fd, m.host(reg[0]), reg[1] - reg[0]);
                if (r < 0) return r;
            }
            long pid = spawn(p, (int) fd);
            if (pid > 0 && (flags & Threads.CLONE_PARENT_SETTID) != 0) m.write32(ptid, (int) pid);
            return pid;
        } finally {
            Host.syscall(Host.CLOSE, fd);
        }
    }

    private static long writeAll(long fd, long addr, long len) {
        while (len > 0) {
            long r = Host.syscall(Host.WRITE, fd, addr, Math.min(len, 1L << 30));
            if (r == -Errno.EINTR) continue;
            if (r < 0) return r;
            addr += r;
            len -= r;
        }
        return 0;
    }

    private static byte[] header(LinuxProcess p, GuestThread t, long flags, long newsp, long tls, long ctid,
                                 List<long[]> regions) {
        try {
            ByteArrayOutputStream bo = new ByteArrayOutputStream();
            DataOutputStream o = new DataOutputStream(bo);
            o.writeInt(MAGIC);
            p.opts.write(o);
            o.writeUTF(p.exe.toString());
            o.writeUTF(p.execName);
            o.writeInt(p.argv.size());
            for (byte[] a : p.argv) { o.writeInt(a.length); o.write(a); }
            o.writeLong(p.brkStart);
            o.writeLong(p.brkCur);
            o.writeLong(p.mem.mmapTop());
            o.writeLong(p.sigtramp);
            for (int s = 1; s <= Sig.NSIG; s++) for (int k = 0; k < 3; k++) o.writeLong(p.sigact[s][k]);
            o.writeLong(t.blocked);
            o.writeLong(t.altSp);
            o.writeLong(t.altSize);
            o.writeLong((flags & Threads.CLONE_CHILD_SETTID) != 0 ? ctid : 0);
            o.writeLong((flags & Threads.CLONE_CHILD_CLEARTID) != 0 ? ctid : 0);
            Hart c = t.cpu;
            for (int i = 0; i < 32; i++) {
                long v = c.x(i);
                if (i == 10) v = 0;
                if (i == 2 && newsp != 0) v = newsp;
                if (i == 4 && (flags & Threads.CLONE_SETTLS) != 0) v = tls;
                o.writeLong(v);
            }
            for (int i = 0; i < 32; i++) o.writeLong(c.f(i));
            o.writeInt(c.fcsr());
            o.writeLong(c.pc() + 4);
            List<Integer> fds = p.sys.guestFds();
            o.writeInt(fds.size());
            for (int f : fds) o.writeInt(f);
            o.writeInt(regions.size());
            for (long[] r : regions) { o.writeLong(r[0]); o.writeLong(r[1]); o.writeLong(r[2]); }
            o.flush();
            return bo.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ spawning the child JVM

    private static final FunctionDescriptor INT_PTR = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
    private static MethodHandle faInit, faAddClose, faAddOpen, attrInit, attrSetFlags, attrSetMask, attrSetDefault, posixSpawn;

    private static synchronized void linkSpawn() {
        if (posixSpawn != null) return;
        faInit = Host.libc("posix_spawn_file_actions_init", INT_PTR);
        faAddClose = Host.libc("posix_spawn_file_actions_addclose",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
        faAddOpen = Host.libc("posix_spawn_file_actions_addopen", FunctionDescriptor.of(ValueLayout.JAVA_INT,
                ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        attrInit = Host.libc("posix_spawnattr_init", INT_PTR);
        attrSetFlags = Host.libc("posix_spawnattr_setflags",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_SHORT));
        attrSetMask = Host.libc("posix_spawnattr_setsigmask",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        attrSetDefault = Host.libc("posix_spawnattr_setsigdefault",
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        posixSpawn = Host.libc("posix_spawn", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
                ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.ADDRESS));
    }

    static void linkSpawnForTraining() { linkSpawn(); }

    /** The JVM command line up to the main class, from /proc/self/cmdline. */
    static List<String> jvmCommand() {
        List<String> out = new ArrayList<>();
        try {
            byte[] b = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            int s = 0;
            for (int i = 0; i < b.length; i++) {
                if (b[i] == 0) {
                    String a = new String(b, s, i - s, StandardCharsets.UTF_8);
                    out.add(a);
                    s = i + 1;
                    if (a.equals(MAIN_CLASS)) return out;
                }
            }
        } catch (IOException e) {
            // fall through
        }
        out.clear();
        out.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        out.add("--enable-native-access=ALL-UNNAMED");
        out.add("--add-exports=java.base/jdk.internal.misc=ALL-UNNAMED");   // translated code's memory accessors (tcg.RawMemory)
        out.add("-Xss16m");
        out.add("-cp");
        out.add(System.getProperty("java.class.path"));
        out.add(MAIN_CLASS);
        return out;
    }

    /** JVM log output is disabled in forked children so nothing the JVM might print mixes with the guest's output. */
    static List<String> childJvmOptions() {
        return List.of("-Xlog:disable");
    }

    private static long spawn(LinuxProcess p, int stateFd) {
        linkSpawn();
        List<String> cmd = jvmCommand();
        if (!cmd.contains("-Xlog:disable")) cmd.addAll(1, childJvmOptions());
        cmd.add(CHILD_OPTION);
        cmd.add(Integer.toString(stateFd));
        // low fds the guest does not use are held with /dev/null while the child JVM starts (see
        // UserMode.releasePlaceholders), so the child JVM's own fds do not take numbers the guest may want
        List<Integer> open = Syscalls.openFds();
        StringBuilder ph = new StringBuilder();
        List<Integer> placeholders = new ArrayList<>();
        for (int fd = 3; fd < 20; fd++) {
            if (open.contains(fd) && !p.sys.isReserved(fd)) continue;
            placeholders.add(fd);
            if (ph.length() > 0) ph.append(',');
            ph.append(fd);
        }
        cmd.add(ph.length() == 0 ? "-" : ph.toString());
        try (Arena a = Arena.ofConfined()) {
            MemorySegment argv = a.allocate(8L * (cmd.size() + 1));
            for (int i = 0; i < cmd.size(); i++) argv.setAtIndex(ValueLayout.ADDRESS, i, a.allocateFrom(cmd.get(i)));
            argv.setAtIndex(ValueLayout.ADDRESS, cmd.size(), MemorySegment.NULL);
            MemorySegment fa = a.allocate(256, 16);
            MemorySegment attr = a.allocate(1024, 16);
            int r = (int) faInit.invokeExact(fa);
            // the JVM's own descriptors stay with this JVM
            for (int fd : Syscalls.openFds()) {
                if (p.sys.isReserved(fd) && fd != stateFd && Host.syscall(Host.FCNTL, fd, 1) >= 0
                        && (Host.syscall(Host.FCNTL, fd, 1) & 1) == 0) {
                    r = (int) faAddClose.invokeExact(fa, fd);
                }
            }
            MemorySegment devnull = a.allocateFrom("/dev/null");
            for (int fd : placeholders) {
                r = (int) faAddOpen.invokeExact(fa, fd, devnull, 0, 0);
            }
            r = (int) attrInit.invokeExact(attr);
            r = (int) attrSetFlags.invokeExact(attr, (short) (0x04 | 0x08)); // SETSIGDEF | SETSIGMASK
            MemorySegment none = a.allocate(128);
            MemorySegment all = a.allocate(128);
            all.fill((byte) 0xff);
            r = (int) attrSetMask.invokeExact(attr, none);
            r = (int) attrSetDefault.invokeExact(attr, all);
            MemorySegment pid = a.allocate(4);
            MemorySegment env = java.lang.foreign.Linker.nativeLinker().defaultLookup().find("environ").orElseThrow()
                    .reinterpret(8).get(ValueLayout.ADDRESS, 0);
            MemorySegment path = a.allocateFrom(Files.readSymbolicLink(Path.of("/proc/self/exe")).toString());
            r = (int) posixSpawn.invokeExact(pid, path, fa, attr, argv, env);
            if (r != 0) return -r;
            return pid.get(ValueLayout.JAVA_INT, 0);
        } catch (Throwable e) {
            if (Log.on(Log.Item.UNIMP)) Log.log("jemu: fork failed: " + e);
            return -Errno.EAGAIN;
        }
    }

    // ------------------------------------------------------------------ the child side

    /** Rebuilds the forked process from the parent's memfd and runs it (never returns). */
    public static void runChild(int fd, String placeholders, Function<GuestMemory, Hart> hartFactory) throws IOException {
        long hlen;
        byte[] header;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(8);
            if (Host.syscall(Host.PREAD64, fd, s.address(), 8, 0) != 8) throw new IOException("bad fork state");
            hlen = s.get(ValueLayout.JAVA_LONG, 0);
            if (hlen <= 0 || hlen > (64 << 20)) throw new IOException("bad fork state");
            MemorySegment h = a.allocate(hlen);
            if (Host.syscall(Host.PREAD64, fd, h.address(), hlen, 8) != hlen) throw new IOException("bad fork state");
            header = h.toArray(ValueLayout.JAVA_BYTE);
        }
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(header));
        if (in.readInt() != MAGIC) throw new IOException("bad fork state");
        Options opts = Options.read(in);
        applyLogOptions(opts);
        if (!placeholders.equals("-")) UserMode.releasePlaceholders(placeholders);
        GuestMemory mem = GuestMemory.reserve(UserMode.GUEST_SPACE, -1);
        LinuxProcess p = new LinuxProcess(opts, mem, hartFactory);
        p.exe = Path.of(in.readUTF());
        p.execName = in.readUTF();
        int argc = in.readInt();
        List<byte[]> argv = new ArrayList<>();
        for (int i = 0; i < argc; i++) { byte[] b = new byte[in.readInt()]; in.readFully(b); argv.add(b); }
        p.argv = argv;
        p.brkStart = in.readLong();
        p.brkCur = in.readLong();
        mem.setMmapTop(in.readLong());
        p.sigtramp = in.readLong();
        for (int s = 1; s <= Sig.NSIG; s++) for (int k = 0; k < 3; k++) p.sigact[s][k] = in.readLong();
        long blocked = in.readLong(), altSp = in.readLong(), altSize = in.readLong(), setTid = in.readLong(),
                clearTid = in.readLong();
        long[] x = new long[32];
        for (int i = 0; i < 32; i++) x[i] = in.readLong();
        long[] f = new long[32];
        for (int i = 0; i < 32; i++) f[i] = in.readLong();
        int fcsr = in.readInt();
        long pc = in.readLong();
        int nfd = in.readInt();
        Set<Integer> guestFds = new HashSet<>();
        for (int i = 0; i < nfd; i++) guestFds.add(in.readInt());
        int nreg = in.readInt();
        long off = 8 + hlen;
        for (int i = 0; i < nreg; i++) {
            long start = in.readLong(), end = in.readLong(), fl = in.readLong();
            long r = mem.mapAnon(start, end - start, Host.PROT_READ | Host.PROT_WRITE);
            if (r < 0) throw new IOException("cannot rebuild the forked address space: " + Errno.message((int) -r));
            mem.adopt(start, end - start, (int) (fl & ~GuestMemory.PAGE_SHARED));
            long len = end - start, done = 0;
            while (done < len) {
                long n = Host.syscall(Host.PREAD64, fd, mem.host(start + done), len - done, off + done);
                if (n == -Errno.EINTR) continue;
                if (n <= 0) throw new IOException("short fork state");
                done += n;
            }
            off += len;
        }
        Host.syscall(Host.CLOSE, fd);
        guestFds.remove(fd);
        p.sys.reserveHostFds(guestFds);
        Hart h = hartFactory.apply(mem);
        for (int i = 1; i < 32; i++) h.x(i, x[i]);
        for (int i = 0; i < 32; i++) h.f(i, f[i]);
        h.fcsr(fcsr);
        h.pc(pc);
        GuestThread t = p.newThread(h);
        t.tid = p.pid;
        t.hostTid = (int) Host.syscall(Host.GETTID);
        t.blocked = blocked;
        t.altSp = altSp;
        t.altSize = altSize;
        t.clearChildTid = clearTid;
        p.threads.put(t.tid, t);
        if (setTid != 0) {
            try { mem.write32(setTid, p.pid); } catch (GuestMemory.Fault ignored) { /* as Linux */ }
        }
        UserMode.start(p, t);
    }

    static void applyLogOptions(Options o) {
        if (o.logItems != null) Log.enable(o.logItems);
        if (o.logFile != null) Log.toFile(o.logFile, true);
    }
}
