package org.jemu.linuxuser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * {@code jemu-riscv64 --jemu-train}: a tiny riscv64 program (write "hello\n", exit 0) run through the whole
 * user-mode path — ELF loader, stack, FFM syscalls, signal set-up, the hart — so that a JDK AOT cache
 * recorded from this run (bin/jemu-riscv64 does it once per build, in the background) holds the classes
 * and method handles every jemu process, including each forked child, would otherwise link at start-up.
 */
public final class Train {
    private Train() {}

    static final int[] CODE = {
        0x00100513, // li   a0, 1
        0x00000597, // auipc a1, 0
        0x03458593, // addi a1, a1, 52  -> msg
        0x00600613, // li   a2, 6
        0x04000893, // li   a7, 64 (write)
        0x00000073, // ecall
        0x000202b7, // lui  t0, 0x20       a loop, so that the translator (jemu-tcg) is part of the recording
        0xff813303, // ld   t1, -8(sp)
        0x00530333, // add  t1, t1, t0
        0xfe613c23, // sd   t1, -8(sp)
        0xfff28293, // addi t0, t0, -1
        0xfe0298e3, // bnez t0, -16
        0x00000513, // li   a0, 0
        0x05e00893, // li   a7, 94 (exit_group)
        0x00000073, // ecall
    };
    /** A minimal static ET_EXEC: one PT_LOAD (R+X) at 0x10000 holding the headers, the code and "hello\n". */
    public static byte[] elf() {
        ByteBuffer b = ByteBuffer.allocate(0x200).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) ElfLoader.ET_EXEC);
        b.putShort(18, (short) ElfLoader.EM_RISCV);
        b.putInt(20, 1);
        b.putLong(24, 0x10000 + 0x100);
        b.putLong(32, 64);
        b.putShort(52, (short) 64);
        b.putShort(54, (short) 56);
        b.putShort(56, (short) 1);
        b.putInt(64, ElfLoader.PT_LOAD);
        b.putInt(68, 5);
        b.putLong(72, 0);
        b.putLong(80, 0x10000);
        b.putLong(88, 0x10000);
        b.putLong(96, 0x200);
        b.putLong(104, 0x200);
        b.putLong(112, 0x1000);
        for (int i = 0; i < CODE.length; i++) b.putInt(0x100 + 4 * i, CODE[i]);
        b.put(0x100 + 4 * CODE.length, "hello\n".getBytes());
        return b.array();
    }

    public static void run(Function<GuestMemory, Hart> hartFactory) throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        for (String e : System.getProperty("java.class.path", "").split(":")) {
            if (e.endsWith("jemu.jar") && Path.of(e).toAbsolutePath().getParent() != null) dir = Path.of(e).toAbsolutePath().getParent();
        }
        Path f = dir.resolve("jemu-train.elf");
        Files.write(f, elf());
        Fork.linkSpawnForTraining();
        // translate on the executing thread, so the translator's classes are loaded before the loop ends
        if (System.getProperty("jemu.tcg.thresh") == null) System.setProperty("jemu.tcg.thresh", "1");
        if (System.getProperty("jemu.tcg.sync") == null) System.setProperty("jemu.tcg.sync", "true");
        Options o = new Options();
        UserMode.run(o, f.toString(), List.of("train".getBytes()), List.of(), hartFactory);
    }
}
