package org.jemu.testutil;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Our own guest test programs (C sources under tests/guest) cross-compiled in the test run with
 * Debian's riscv64-linux-gnu-gcc into target/guest-bin. A binary is rebuilt when its source (or
 * tests/guest/common.h) is newer.
 */
public final class GuestPrograms {
    private GuestPrograms() {}

    public static Path sourceDir() { return Jemu.home().resolve("tests/guest"); }
    public static Path outDir() { return Jemu.home().resolve("target/guest-bin"); }

    /** Compiles tests/guest/NAME.c (static by default) and returns the binary; skips the test without a cross compiler. */
    public static synchronized Path build(String name, String... extraFlags) throws IOException, InterruptedException {
        return build(name, true, extraFlags);
    }

    public static synchronized Path build(String name, boolean isStatic, String... extraFlags) throws IOException, InterruptedException {
        Path cc = Need.tool("riscv64-linux-gnu-gcc");
        Path src = sourceDir().resolve(name + ".c");
        if (!Files.exists(src)) throw new IOException("no guest program source " + src);
        Path out = outDir().resolve(name + (isStatic ? "" : ".dyn") + (extraFlags.length == 0 ? "" : "-" + Integer.toHexString(String.join(" ", extraFlags).hashCode())));
        Files.createDirectories(outDir());
        long newest = Files.getLastModifiedTime(src).toMillis();
        Path common = sourceDir().resolve("common.h");
        if (Files.exists(common)) newest = Math.max(newest, Files.getLastModifiedTime(common).toMillis());
        if (Files.exists(out) && Files.getLastModifiedTime(out).toMillis() >= newest) return out;
        List<String> cmd = new ArrayList<>(List.of(cc.toString(), "-O2", "-Wall", "-o", out.toString(), src.toString()));
        if (isStatic) cmd.add(1, "-static");
        cmd.addAll(List.of(extraFlags));
        cmd.add("-lm");
        cmd.add("-lpthread");
        Jemu.Result r = Jemu.run(cmd, 120);
        if (r.exit() != 0) throw new IOException("cross-compiling " + src + " failed:\n" + r.stderr());
        return out;
    }
}
