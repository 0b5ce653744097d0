package org.jemu.testutil;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Paths of the project and its guest cache, and a way to run a command and capture what it prints. */
public final class Jemu {
    private Jemu() {}

    /** The project root (set by surefire as jemu.home). */
    public static Path home() {
        return Path.of(System.getProperty("jemu.home", ".")).toAbsolutePath().normalize();
    }

    /** The guest-material cache filled by scripts/fetch-guests.sh. */
    public static Path cache() {
        String c = System.getenv("JEMU_CACHE");
        return c != null ? Path.of(c) : Path.of(System.getProperty("user.home"), ".cache", "jemu");
    }

    public static Path bin(String launcher) { return home().resolve("bin").resolve(launcher); }

    /** Result of a finished process. */
    public record Result(int exit, String stdout, String stderr) {
        @Override public String toString() {
            return "exit=" + exit + "\n--- stdout ---\n" + stdout + "\n--- stderr ---\n" + stderr;
        }
    }

    /** Runs a command with optional stdin, killing it after {@code timeoutSec}. */
    public static Result run(List<String> cmd, byte[] stdin, long timeoutSec, Path dir) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(cmd));
        if (dir != null) pb.directory(dir.toFile());
        Process p = pb.start();
        var out = new ByteArrayOutputStream();
        var err = new ByteArrayOutputStream();
        Thread to = Thread.ofVirtual().start(() -> copy(p.getInputStream(), out));
        Thread te = Thread.ofVirtual().start(() -> copy(p.getErrorStream(), err));
        try (var os = p.getOutputStream()) {
            if (stdin != null) os.write(stdin);
        } catch (IOException ignored) {
            // the process may exit without reading its input
        }
        if (!p.waitFor(timeoutSec, TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor();
            to.join(); te.join();
            throw new AssertionError("timed out after " + timeoutSec + " s: " + cmd + "\nstdout so far:\n"
                    + out.toString(StandardCharsets.UTF_8) + "\nstderr so far:\n" + err.toString(StandardCharsets.UTF_8));
        }
        to.join(); te.join();
        return new Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    public static Result run(List<String> cmd, long timeoutSec) throws IOException, InterruptedException {
        return run(cmd, null, timeoutSec, null);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (in) { in.transferTo(out); } catch (IOException ignored) { /* process ended */ }
    }
}
