package org.jemu.linuxuser;

import org.jemu.testutil.GuestPrograms;
import org.jemu.testutil.Jemu;
import org.jemu.testutil.Need;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Differential tests of bin/jemu-riscv64 against Debian's qemu-riscv64: our own C programs
 * (tests/guest/lu_*.c) must print the same stdout and exit with the same status.
 */
class LinuxUserTest {
    static final long TIMEOUT = 120;

    static Jemu.Result jemu(List<String> args, byte[] stdin) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Jemu.bin("jemu-riscv64").toString());
        cmd.addAll(args);
        return Jemu.run(cmd, stdin, TIMEOUT, null);
    }

    static Jemu.Result jemu(String... args) throws Exception { return jemu(List.of(args), null); }

    static Jemu.Result qemu(List<String> args, byte[] stdin) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Need.tool("qemu-riscv64").toString());
        cmd.addAll(args);
        return Jemu.run(cmd, stdin, TIMEOUT, null);
    }

    /** Runs both emulators; stdout and exit status must be identical. Returns jemu's result. */
    static Jemu.Result same(List<String> args, byte[] stdin) throws Exception {
        Need.tool("qemu-riscv64");
        Jemu.Result q = qemu(args, stdin);
        Jemu.Result j = jemu(args, stdin);
        assertEquals(q.stdout(), j.stdout(), "stdout differs from qemu-riscv64\nqemu: " + q + "\njemu: " + j);
        assertEquals(q.exit(), j.exit(), "exit status differs from qemu-riscv64\nqemu: " + q + "\njemu: " + j);
        return j;
    }

    static Jemu.Result same(String... args) throws Exception { return same(List.of(args), null); }

    static Path tmp(String name) throws Exception {
        Path d = Jemu.home().resolve("target/lu-tmp");
        Files.createDirectories(d);
        return d.resolve(name);
    }

    @Test
    void filesDirectoriesPipes() throws Exception {
        Path prog = GuestPrograms.build("lu_files");
        Need.tool("qemu-riscv64");
        Jemu.Result q = qemu(List.of(prog.toString(), tmp("files-q").toString()), null);
        Jemu.Result j = jemu(List.of(prog.toString(), tmp("files-j").toString()), null);
        assertEquals(q.stdout(), j.stdout(), "stdout differs\nqemu: " + q + "\njemu: " + j);
        assertEquals(q.exit(), j.exit());
        assertTrue(j.stdout().contains("machine riscv64"), j.toString());
        assertTrue(j.stdout().contains("bad pointer write -1 errno 14"), j.toString());
    }

    @Test
    void signals() throws Exception {
        Jemu.Result r = same(GuestPrograms.build("lu_signals").toString());
        assertEquals(128 + 15, r.exit(), "dies of SIGTERM's default action");
        assertTrue(r.stdout().contains("segv recovered 11 addr 0x1008 on altstack 1"), r.toString());
    }

    @Test
    void threadsFutexAtomics() throws Exception {
        Jemu.Result r = same(GuestPrograms.build("lu_threads").toString());
        assertTrue(r.stdout().contains("amo counter 80000"), r.toString());
    }

    @Test
    void forkPipesWait() throws Exception {
        Jemu.Result r = same(GuestPrograms.build("lu_fork").toString());
        assertEquals(3, r.exit());
        assertTrue(r.stdout().contains("segv child signaled 1 sig 11"), r.toString());
    }

    /** qemu-riscv64 cannot exec riscv64 programs without binfmt_misc, so this checks Linux's expected output. */
    @Test
    void execInPlace() throws Exception {
        Path bb = Need.file(Jemu.cache().resolve("riscv64/busybox"), "Debian's static riscv64 busybox");
        Jemu.Result r = jemu(GuestPrograms.build("lu_exec").toString(), bb.toString());
        assertEquals(String.join("\n",
                "exec'd child argc 3 arg x y env hello",
                "exec child status 42",
                "execve missing -1 errno 2",
                "execve plain text -1 errno 8",
                "exec'd child argc 3 arg vfork env unset",
                "vfork child status 42",
                "exec'd child argc 3 arg spawn env unset",
                "posix_spawn 0 status 42",
                "pid kept 1",
                "script args: one two",
                "script status 5", ""), r.stdout(), r.toString());
        assertEquals(0, r.exit());
    }

    @Test
    void segfaultKillsWithSignal() throws Exception {
        Jemu.Result q = same(GuestPrograms.build("lu_crash").toString(), "segv");
        assertEquals(128 + 11, q.exit());
        assertTrue(q.stderr().contains("jemu: uncaught target signal 11 (Segmentation fault) - core dumped"), q.toString());
        assertFalse(q.stderr().contains("Exception"), q.toString());
    }

    @Test
    void illegalInstructionAndJumpToUnmapped() throws Exception {
        Jemu.Result r = same(GuestPrograms.build("lu_crash").toString(), "ill");
        assertEquals(128 + 4, r.exit());
        r = same(GuestPrograms.build("lu_crash").toString(), "jump");
        assertEquals(128 + 11, r.exit());
        r = same(GuestPrograms.build("lu_crash").toString(), "ebreak");
        assertEquals(128 + 5, r.exit());
        r = same(GuestPrograms.build("lu_crash").toString(), "abort");
        assertEquals(128 + 6, r.exit());
        r = same(GuestPrograms.build("lu_crash").toString(), "stack");
        assertEquals(128 + 11, r.exit());
    }

    @Test
    void badInputs() throws Exception {
        Path notElf = tmp("notelf");
        Files.writeString(notElf, "hello\n");
        notElf.toFile().setExecutable(true);
        Jemu.Result r = jemu(notElf.toString());
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.stderr().contains("Exec format error"), r.toString());
        r = jemu("/nonexistent/program");
        assertEquals(1, r.exit(), r.toString());
        assertTrue(r.stderr().contains("No such file or directory"), r.toString());
        r = jemu("/bin/true");
        assertEquals(255, r.exit(), r.toString());
        assertTrue(r.stderr().contains("/bin/true: Invalid ELF image for this architecture"), r.toString());
        Path dyn = GuestPrograms.build("lu_crash", false);
        r = jemu("-L", "/nonexistent-prefix", dyn.toString(), "ok");
        assertEquals(255, r.exit(), r.toString());
        assertTrue(r.stderr().contains("Could not open '/lib/ld-linux-riscv64-lp64d.so.1'"), r.toString());
        r = jemu("-bogus", "x");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("unknown option 'bogus'"), r.toString());
        r = jemu("-cpu", "pentium", "x");
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("unable to find CPU model 'pentium'") && r.stderr().contains("rv64"), r.toString());
        r = jemu();
        assertEquals(1, r.exit());
        assertTrue(r.stderr().contains("no user program specified"), r.toString());
        r = jemu("-L");
        assertTrue(r.stderr().contains("missing argument for option 'L'"), r.toString());
        for (Jemu.Result x : List.of(r)) assertFalse(x.stderr().contains("at org.jemu"), x.toString());
    }

    @Test
    void optionsEnvArgv0Strace() throws Exception {
        Path prog = GuestPrograms.build("lu_crash");
        Jemu.Result r = same(List.of("-E", "LU_A=1,LU_B=two", "-U", "HOME", "-0", "renamed", prog.toString(), "env"), null);
        assertTrue(r.stdout().contains("argv0=renamed") && r.stdout().contains("LU_A=1") && r.stdout().contains("LU_B=two")
                && r.stdout().contains("HOME unset"), r.toString());
        r = jemu("-strace", prog.toString(), "ok");
        assertEquals(0, r.exit());
        assertTrue(r.stderr().matches("(?s).*\\d+ write\\(1,0x[0-9a-f]+,3\\) = 3.*"), r.stderr());
        assertTrue(r.stderr().contains(" exit_group(0)"), r.stderr());
        r = jemu("-d", "unimp", prog.toString(), "enosys");
        assertTrue(r.stderr().contains("Unsupported syscall: 4095"), r.toString());
        assertEquals(r.stdout(), "enosys -1 38\n");
        r = jemu("-version");
        assertEquals(0, r.exit());
        assertTrue(r.stdout().startsWith("jemu-riscv64 version"));
    }

    // ------------------------------------------------------------------ Debian programs

    static Path busybox() {
        return Need.file(Jemu.cache().resolve("riscv64/busybox"), "Debian's static riscv64 busybox");
    }

    static Path sysroot() {
        return Need.file(Jemu.cache().resolve("riscv64/sysroot"), "the riscv64 Debian sysroot");
    }

    @Test
    void busyboxShellScript() throws Exception {
        String script = String.join("\n",
                "set -e",
                "d=" + tmp("bb").toString(),
                "rm -rf $d; mkdir -p $d/src; cd $d",
                "for i in 3 1 2; do echo \"file $i\" > src/f$i.txt; done",
                "printf 'b 2\\na 1\\nc 3\\n' | sort | sed 's/ /=/' | awk -F= '{s += $2; print $1} END {print \"sum\", s}'",
                "tar czf x.tgz src && rm -r src && tar xzf x.tgz && cat src/f*.txt | md5sum",
                "ls src | wc -l",
                "tar cf - src | gzip -c | gzip -dc | tar tf - | sort",
                "/bin/echo host program; exec 3>&1; echo via fd 3 >&3",
                "echo $((6 * 7)) $(basename /a/b/c)",
                "cd /; rm -rf $d; exit 3", "");
        script = "BB=" + busybox() + "\n" + script;
        Jemu.Result r = same(List.of(busybox().toString(), "sh", "-c", script), null);
        assertEquals(3, r.exit());
        assertTrue(r.stdout().contains("src/f2.txt") && r.stdout().contains("host program"), r.toString());
        assertTrue(r.stdout().contains("sum 6") && r.stdout().contains("42 c"), r.toString());
    }

    /** A host SIGTERM reaches the guest's handler (trap); with the default action jemu dies of SIGTERM. */
    @Test
    void hostSignalsReachTheGuest() throws Exception {
        for (boolean trap : new boolean[] {true, false}) {
            String sh = (trap ? "trap 'echo got TERM; exit 9' TERM; " : "") + "echo ready; while :; do read -t 1 x; done";
            Process pr = new ProcessBuilder(Jemu.bin("jemu-riscv64").toString(), busybox().toString(), "sh", "-c", sh)
                    .redirectErrorStream(true).start();
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(pr.getInputStream()));
            assertEquals("ready", in.readLine());
            new ProcessBuilder("kill", "-TERM", Long.toString(pr.pid())).start().waitFor();
            assertTrue(pr.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            StringBuilder rest = new StringBuilder();
            for (String l; (l = in.readLine()) != null; ) rest.append(l).append('\n');
            if (trap) {
                assertEquals(9, pr.exitValue(), rest.toString());
                assertEquals("got TERM\n", rest.toString());
            } else {
                assertEquals(128 + 15, pr.exitValue(), rest.toString());
            }
        }
    }

    @Test
    void busyboxStdinPipeline() throws Exception {
        byte[] in = "zeta\nalpha\nbeta\nalpha\n".getBytes();
        Jemu.Result r = same(List.of(busybox().toString(), "sh", "-c", "sort | uniq -c | sort -rn | head -1"), in);
        assertTrue(r.stdout().contains("2 alpha"), r.toString());
    }

    @Test
    void dynamicCoreutils() throws Exception {
        Path root = sysroot();
        Path data = tmp("coreutils.txt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 500; i++) sb.append((i * 7919) % 1000).append('\n');
        Files.writeString(data, sb.toString());
        same("-L", root.toString(), root.resolve("usr/bin/sort").toString(), "-n", data.toString());
        same("-L", root.toString(), root.resolve("usr/bin/sha256sum").toString(), data.toString());
        Jemu.Result r = same("-L", root.toString(), root.resolve("usr/bin/ls").toString(), "-1", root.resolve("usr/bin").toString());
        assertTrue(r.stdout().contains("sha256sum"), r.toString());
    }

    @Test
    void compressionRoundTrips() throws Exception {
        Path root = sysroot();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 3000; i++) sb.append("line ").append(i * 31 % 977).append(" of the round trip\n");
        for (String tool : List.of("xz", "gzip")) {
            Path bin = root.resolve("usr/bin").resolve(tool);
            if (!Files.exists(bin)) bin = root.resolve("bin").resolve(tool);
            Need.file(bin, tool + " in the sysroot");
            Path f = tmp("round-" + tool + ".txt");
            Path z = Path.of(f + (tool.equals("xz") ? ".xz" : ".gz"));
            Files.deleteIfExists(z);
            Files.writeString(f, sb.toString());
            Jemu.Result c = jemu("-L", root.toString(), bin.toString(), "-k", "-f", f.toString());
            assertEquals(0, c.exit(), tool + " compress: " + c);
            // the guest's compressed file decompresses on the host, and in the guest, to the original text
            Jemu.Result h = Jemu.run(List.of(tool, "-dc", z.toString()), 60);
            assertEquals(sb.toString(), h.stdout(), tool + " host decompression");
            Jemu.Result d = jemu("-L", root.toString(), bin.toString(), "-dc", z.toString());
            assertEquals(sb.toString(), d.stdout(), tool + " guest decompression");
            assertEquals(0, d.exit());
        }
    }

    @Test
    void lua() throws Exception {
        Path root = sysroot();
        Path lua = Need.file(root.resolve("usr/bin/lua5.4"), "lua5.4 in the sysroot");
        Jemu.Result r = same("-L", root.toString(), lua.toString(), "-e",
                "local t = {} for i = 1, 2000 do t[i] = (i * 7) % 13 end table.sort(t) "
                        + "local s = 0 for _, v in ipairs(t) do s = s + v end "
                        + "print(s, string.format('%.3f', math.sqrt(2)), #t, ('x'):rep(3)) os.exit(4)");
        assertEquals(4, r.exit());
    }
}
