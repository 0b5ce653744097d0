package org.jemu.linuxuser;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * execve. A riscv64 ELF replaces the process image in this same JVM (same pid, as Linux): threads end,
 * close-on-exec descriptors close, handled signals reset, the address space is emptied and the new program
 * loaded. "#!" scripts are resolved as binfmt_script does (interpreter looked up under -L first). Anything
 * else that the host can run (a host ELF, or a script whose interpreter is not riscv64) is a real host
 * execve, replacing jemu — what qemu-riscv64 does for programs of another architecture.
 */
public final class Exec {
    private Exec() {}

    static long execve(LinuxProcess p, GuestThread t, long pathAddr, long argvAddr, long envpAddr) {
        GuestMemory m = p.mem;
        String path = m.readCString(pathAddr, 4096);
        if (path == null) return -Errno.EFAULT;
        List<byte[]> argv = readVector(m, argvAddr);
        List<byte[]> envp = readVector(m, envpAddr);
        if (argv == null || envp == null) return -Errno.EFAULT;
        return exec(p, t, path, argv, envp, 0);
    }

    private static List<byte[]> readVector(GuestMemory m, long addr) {
        List<byte[]> out = new ArrayList<>();
        if (addr == 0) return out;
        for (int i = 0; i < 0x20000; i++) {
            long a = m.check(addr + 8L * i, 8, GuestMemory.PAGE_READ) ? m.read64(addr + 8L * i) : -1;
            if (a == -1) return null;
            if (a == 0) return out;
            byte[] s = m.readCBytes(a, 1 << 20);
            if (s == null) return null;
            out.add(s);
        }
        return null;
    }

    private static long exec(LinuxProcess p, GuestThread t, String path, List<byte[]> argv, List<byte[]> envp, int depth) {
        if (path.isEmpty()) return -Errno.ENOENT;
        if (depth > 4) return -Errno.ELOOP;
        String hp = p.sys.hostPath(path);
        long r;
        try (Arena a = Arena.ofConfined()) {
            r = Host.syscall(Host.FACCESSAT, -100, a.allocateFrom(hp).address(), 1 /* X_OK */, 0);
        }
        if (r < 0) return r;
        Path file = Path.of(hp);
        if (Files.isDirectory(file)) return -Errno.EACCES;
        byte[] head = new byte[256];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        } catch (IOException e) {
            return -Errno.EACCES;
        }
        head = Arrays.copyOf(head, n);
        if (n >= 2 && head[0] == '#' && head[1] == '!') {
            int end = 2;
            while (end < n && head[end] != '\n') end++;
            String line = new String(head, 2, end - 2, StandardCharsets.UTF_8).strip();
            if (line.isEmpty()) return -Errno.ENOEXEC;
            int sp = 0;
            while (sp < line.length() && line.charAt(sp) != ' ' && line.charAt(sp) != '\t') sp++;
            String interp = line.substring(0, sp);
            String arg = line.substring(sp).strip();
            List<byte[]> nargv = new ArrayList<>();
            nargv.add(interp.getBytes(StandardCharsets.UTF_8));
            if (!arg.isEmpty()) nargv.add(arg.getBytes(StandardCharsets.UTF_8));
            nargv.add(path.getBytes(StandardCharsets.UTF_8));
            if (argv.size() > 1) nargv.addAll(argv.subList(1, argv.size()));
            long rr = exec(p, t, interp, nargv, envp, depth + 1);
            return rr == -Errno.EACCES && !Files.exists(Path.of(p.sys.hostPath(interp))) ? -Errno.ENOENT : rr;
        }
        if (!ElfLoader.isElf(head)) return -Errno.ENOEXEC;
        boolean riscv = n >= 20 && head[4] == 2 && head[5] == 1 && ((head[18] & 0xff) | (head[19] & 0xff) << 8) == ElfLoader.EM_RISCV;
        if (!riscv) return hostExec(p, t, hp, argv, envp);
        // riscv64: validate everything before the point of no return
        ElfLoader.Image img;
        try {
            img = ElfLoader.parse(Files.readAllBytes(file), path);
            if (img.interp() != null) {
                Path ip = ProgramLoader.resolve(img.interp(), p.opts.ldPrefix);
                if (!Files.isRegularFile(ip)) return -Errno.ENOENT;
                ElfLoader.parse(Files.readAllBytes(ip), img.interp());
            }
        } catch (IOException e) {
            return -Errno.EACCES;
        } catch (LinuxUserException e) {
            return -Errno.ENOEXEC;
        }
        replaceImage(p, t, file, path, img, argv, envp);
        return Syscalls.NO_RETURN;
    }

    private static void replaceImage(LinuxProcess p, GuestThread t, Path file, String path, ElfLoader.Image img,
                                     List<byte[]> argv, List<byte[]> envp) {
        // other threads end (de_thread)
        for (GuestThread o : p.threads.values()) {
            if (o == t) continue;
            o.killed = true;
            o.cpu.requestExit();
            p.sys.wake(o);
        }
        for (GuestThread o : p.threads.values()) {
            if (o == t || o.javaThread == null) continue;
            try { o.javaThread.join(2000); } catch (InterruptedException ignored) { Thread.currentThread().interrupt(); }
        }
        p.threads.clear();
        p.threads.put(t.tid, t);
        // close-on-exec descriptors
        for (int fd : p.sys.guestFds()) {
            long fl = Host.syscall(Host.FCNTL, fd, 1);
            if (fl >= 0 && (fl & 1) != 0) Host.syscall(Host.CLOSE, fd);
        }
        // handled signals go back to their defaults; ignored ones stay ignored
        for (int s = 1; s <= Sig.NSIG; s++) {
            long[] a = p.sigact[s];
            if (a[0] != Sig.SIG_IGN) a[0] = Sig.SIG_DFL;
            a[1] = 0;
            a[2] = 0;
        }
        t.altSp = 0;
        t.altSize = 0;
        t.clearChildTid = 0;
        t.robustList = 0;
        GuestMemory m = p.mem;
        m.unmap(0, m.size);
        t.cpu.invalidate(0, m.size);
        ProgramLoader.Result res;
        try {
            res = ProgramLoader.load(m, file, path, img, argv, envp, p.opts.ldPrefix, p.opts.stackSize);
        } catch (LinuxUserException e) {
            System.err.println("jemu-riscv64: " + e.getMessage());
            p.terminateBySignal(Sig.SIGSEGV, false);
            return;
        }
        p.exe = file.toAbsolutePath();
        p.execName = path;
        p.argv = argv;
        p.brkStart = res.brk();
        p.brkCur = res.brk();
        p.mapSigtramp();
        Hart c = t.cpu;
        for (int i = 1; i < 32; i++) c.x(i, 0);
        for (int i = 0; i < 32; i++) c.f(i, 0);
        c.fcsr(0);
        c.x(2, res.sp());
        c.pc(res.entry());
        c.clearReservation();
    }

    /** A real host execve: this JVM is replaced by the program. Returns only on failure. */
    private static long hostExec(LinuxProcess p, GuestThread t, String hp, List<byte[]> argv, List<byte[]> envp) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment av = a.allocate(8L * (argv.size() + 1));
            for (int i = 0; i < argv.size(); i++) av.setAtIndex(ValueLayout.ADDRESS, i, bytes(a, argv.get(i)));
            MemorySegment ev = a.allocate(8L * (envp.size() + 1));
            for (int i = 0; i < envp.size(); i++) ev.setAtIndex(ValueLayout.ADDRESS, i, bytes(a, envp.get(i)));
            // the JVM's descriptors must not leak into the program
            for (int fd : Syscalls.openFds()) if (p.sys.isReserved(fd)) Host.syscall(Host.FCNTL, fd, 2, 1);
            for (int s = 1; s <= Sig.NSIG; s++) {
                if (s == Sig.SIGKILL || s == Sig.SIGSTOP || s == Sig.SIGSEGV || s == Sig.SIGBUS || s == Sig.SIGFPE || s == Sig.SIGILL) continue;
                if (p.sigact[s][0] == Sig.SIG_IGN) Signals.setHostIgnore(s);
                else if (s == Sig.SIGPIPE || s == Sig.SIGXFSZ) Signals.setHostDefault(s);
            }
            MemorySegment mask = a.allocate(8);
            mask.set(ValueLayout.JAVA_LONG, 0, t.blocked);
            MemorySegment old = a.allocate(8);
            Host.syscall(Host.RT_SIGPROCMASK, 2 /* SIG_SETMASK */, mask.address(), old.address(), 8);
            long r = Host.syscall(Host.EXECVE, a.allocateFrom(hp).address(), av.address(), ev.address());
            Host.syscall(Host.RT_SIGPROCMASK, 2, old.address(), 0, 8);
            return r;
        }
    }

    private static MemorySegment bytes(Arena a, byte[] b) {
        MemorySegment s = a.allocate(b.length + 1L);
        MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
        return s;
    }
}
