package org.jemu.target.riscv.translate;

import org.jemu.tcg.TcgOptions;
import org.jemu.target.riscv.Decoder;
import org.jemu.target.riscv.Insn;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.RiscvExec;
import org.jemu.target.riscv.Trap;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Differential fuzzing of the two tiers: random valid instruction sequences (integer, M, Zba/Zbb/Zbs, F and D
 * with every rounding mode, RVC, loads and stores of every width, forward branches, a loop around the whole
 * sequence, and atomics the translator leaves to the interpreter), generated from the CPU's own {@link Insn}
 * table, run once by the interpreter alone and once with every block translated; the final integer and FP
 * registers, fflags, pc, trap and data memory must be identical.
 *
 * <p>Fixed seed; {@code -Djemu.fuzz.programs=N} runs more programs, {@code -Djemu.fuzz.seed=S} another seed.
 */
class TranslatorFuzzTest {
    static final long BASE = 0x10000, SIZE = 0x20000, DATA = 0x20000, DATA_LEN = 0x10000;
    /** Registers the generator keeps for itself: data pointers x8, x9 and the loop counter x31. */
    static final int P1 = 8, P2 = 9, CNT = 31;

    static final List<Insn> ALU = new ArrayList<>(), FP = new ArrayList<>();
    static {
        for (Insn in : Insn.values()) {
            switch (in.fmt) {
                case R, R1, I, SHAMT, SHW -> { if (in.fn != null) ALU.add(in); }
                case FR, FRM, FR4, F1M, F1, XF, XFM, XFF, FX, FXM -> FP.add(in);
                default -> { }
            }
        }
    }

    record Item(byte[] bytes, int branchTo, int branchWord) {}

    static boolean reservedRd(int rd) { return rd == P1 || rd == P2 || rd == CNT; }

    /** A random encoding of a table row: fixed bits from the row, the rest random; null if it decodes elsewhere or breaks the rules. */
    static Integer encode(Random rnd, Insn in) {
        int w = (rnd.nextInt() & ~in.mask) | in.match;
        Decoder.Op op = Decoder.decode(w);
        if (op.insn() != in) return null;
        if (in.fmt.template.startsWith("d") && reservedRd(op.rd())) return null;
        if (in.fmt.imm == Insn.Imm.RM && (op.imm() == 5 || op.imm() == 6)) return null;
        if (in.isFloat()) w = typedFpRegs(rnd, in, w);
        return w;
    }

    /**
     * Keeps FP data flow meaningful: doubles live in f0-f15, NaN-boxed singles in f16-f31 (so most operations
     * see real operands of their type, where rounding modes and flags matter, rather than NaNs).
     */
    static int typedFpRegs(Random rnd, Insn in, int w) {
        String t = in.fmt.template;
        boolean single = in.name().endsWith("_S") || in == Insn.FLW || in == Insn.FSW || in == Insn.FMV_X_W || in == Insn.FMV_W_X;
        for (int k = 0; k < t.length(); k++) {
            char c = t.charAt(k);
            int shift = switch (c) { case 'D' -> 7; case 'S' -> 15; case 'T' -> 20; case 'R' -> 27; default -> -1; };
            if (shift < 0) continue;
            boolean s = single;
            if (in == Insn.FCVT_S_D) s = c == 'D';
            if (in == Insn.FCVT_D_S) s = c != 'D';
            int reg = (s ? 16 : 0) + rnd.nextInt(16);
            w = (w & ~(31 << shift)) | reg << shift;
        }
        return w;
    }

    static byte[] le32(int w) { return new byte[]{(byte) w, (byte) (w >>> 8), (byte) (w >>> 16), (byte) (w >>> 24)}; }

    static byte[] program(Random rnd, int n, int loops) {
        List<Item> items = new ArrayList<>();
        // prologue: data pointers, loop counter
        items.add(new Item(le32(RvAsm.u((int) ((DATA + 0x4000) >>> 12), P1, 0x37)), -1, 0));
        items.add(new Item(le32(RvAsm.u((int) ((DATA + 0x8000) >>> 12), P2, 0x37)), -1, 0));
        items.add(new Item(le32(RvAsm.i(loops, 0, 0, CNT, 0x13)), -1, 0));
        int loopStart = items.size();
        for (int k = 0; k < n; k++) {
            int kind = rnd.nextInt(100);
            if (kind < 30) {
                Integer w = encode(rnd, ALU.get(rnd.nextInt(ALU.size())));
                if (w != null) items.add(new Item(le32(w), -1, 0));
            } else if (kind < 58) {
                Integer w = encode(rnd, FP.get(rnd.nextInt(FP.size())));
                if (w != null) items.add(new Item(le32(w), -1, 0));
            } else if (kind < 65) {
                // compressed: a random parcel that expands to an allowed ALU operation
                int c = rnd.nextInt(0x10000);
                if ((c & 3) == 3) continue;
                Decoder.Op op = Decoder.decode(c);
                Insn in = op.insn();
                if (in == Insn.ILLEGAL || !ALU.contains(in) || reservedRd(op.rd())) continue;
                items.add(new Item(new byte[]{(byte) c, (byte) (c >>> 8)}, -1, 0));
            } else if (kind < 85) {
                // load or store of every width, through a data pointer, sometimes misaligned
                int base = rnd.nextBoolean() ? P1 : P2;
                int imm = rnd.nextInt(512) - 256;
                if (rnd.nextInt(4) != 0) imm &= ~7;
                int r = rnd.nextInt(32);
                int w;
                switch (rnd.nextInt(15)) {
                    case 0 -> w = RvAsm.i(imm, base, 0, r, 0x03);  // lb
                    case 1 -> w = RvAsm.i(imm, base, 1, r, 0x03);  // lh
                    case 2 -> w = RvAsm.i(imm, base, 2, r, 0x03);  // lw
                    case 3 -> w = RvAsm.i(imm, base, 3, r, 0x03);  // ld
                    case 4 -> w = RvAsm.i(imm, base, 4, r, 0x03);  // lbu
                    case 5 -> w = RvAsm.i(imm, base, 5, r, 0x03);  // lhu
                    case 6 -> w = RvAsm.i(imm, base, 6, r, 0x03);  // lwu
                    case 7 -> w = RvAsm.s(imm, r, base, 0, 0x23);  // sb
                    case 8 -> w = RvAsm.s(imm, r, base, 1, 0x23);  // sh
                    case 9 -> w = RvAsm.s(imm, r, base, 2, 0x23);  // sw
                    case 10 -> w = RvAsm.s(imm, r, base, 3, 0x23); // sd
                    case 11 -> w = RvAsm.i(imm, base, 2, r, 0x07); // flw
                    case 12 -> w = RvAsm.i(imm, base, 3, r, 0x07); // fld
                    case 13 -> w = RvAsm.s(imm, r, base, 2, 0x27); // fsw
                    default -> w = RvAsm.s(imm, r, base, 3, 0x27); // fsd
                }
                if ((w & 0x7f) == 0x03 && reservedRd(r)) continue;
                items.add(new Item(le32(w), -1, 0));
            } else if (kind < 95) {
                // forward conditional branch over a few items
                int f3 = new int[]{0, 1, 4, 5, 6, 7}[rnd.nextInt(6)];
                int w = RvAsm.b(0, rnd.nextInt(32), rnd.nextInt(32), f3);
                items.add(new Item(null, items.size() + 1 + rnd.nextInt(6), w));
            } else if (kind < 98) {
                // an atomic (left to the interpreter) on an aligned data word
                int rd = rnd.nextInt(32);
                if (reservedRd(rd)) continue;
                int f5 = new int[]{0, 1, 4, 8, 12, 16, 20, 24, 28}[rnd.nextInt(9)];
                items.add(new Item(le32(f5 << 27 | rnd.nextInt(32) << 20 | P1 << 15 | 3 << 12 | rd << 7 | 0x2f), -1, 0));
            } else {
                items.add(new Item(le32(0x0ff0000f), -1, 0)); // fence
            }
        }
        int loopEnd = items.size();
        items.add(new Item(le32(RvAsm.i(-1, CNT, 0, CNT, 0x13)), -1, 0));             // addi cnt, cnt, -1
        items.add(new Item(null, loopStart, RvAsm.b(0, 0, CNT, 1)));                    // bne cnt, x0, loop
        items.add(new Item(le32(0x00100073), -1, 0));                                   // ebreak
        // layout, then branch offsets
        long[] pcs = new long[items.size() + 1];
        for (int i = 0; i < items.size(); i++) pcs[i + 1] = pcs[i] + (items.get(i).bytes() == null ? 4 : items.get(i).bytes().length);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < items.size(); i++) {
            Item it = items.get(i);
            if (it.bytes() != null) { out.writeBytes(it.bytes()); continue; }
            int target = Math.min(it.branchTo(), loopEnd);
            int off = (int) (pcs[target] - pcs[i]);
            int w = it.branchWord();
            out.writeBytes(le32(RvAsm.b(off, (w >>> 20) & 31, (w >>> 15) & 31, (w >>> 12) & 7)));
        }
        return out.toByteArray();
    }

    static final long[] SPECIAL = {0, Long.MIN_VALUE, 0x7ff0000000000000L, 0xfff0000000000000L, 0x7ff8000000000000L,
            0x7ff4000000000000L, 1, 0x000fffffffffffffL, 0x3ff0000000000000L, 0x4340000000000000L, 0xffffffff7f800000L,
            0xffffffff7fc00000L, 0xffffffff00000001L, 0xffffffff3f800000L, 0xffffffff80000000L, 0x12345678L};

    static final java.util.concurrent.atomic.LongAdder TOTAL_INSNS = new java.util.concurrent.atomic.LongAdder(),
            TOTAL_ENTRIES = new java.util.concurrent.atomic.LongAdder(), TOTAL_INTERP = new java.util.concurrent.atomic.LongAdder(),
            TOTAL_NESTED = new java.util.concurrent.atomic.LongAdder();

    record Result(long[] x, long[] f, int flags, long pc, int trap, long tval, byte[] data) {}

    static Result run(byte[] code, long seed, boolean translate) { return run(code, seed, translate, 600); }

    static Result run(byte[] code, long seed, boolean translate, int regionInsns) {
        TestMemory m = new TestMemory(BASE, SIZE);
        m.put(BASE, code);
        Random init = new Random(seed);
        byte[] data = new byte[(int) DATA_LEN];
        init.nextBytes(data);
        m.put(DATA, data);
        RiscvCpu cpu = m.cpu(BASE);
        for (int i = 1; i < 32; i++) cpu.x[i] = init.nextInt(4) == 0 ? init.nextInt(64) - 32 : init.nextLong();
        for (int i = 0; i < 32; i++) cpu.f[i] = init.nextInt(6) == 0 ? SPECIAL[init.nextInt(SPECIAL.length)]
                : i < 16 ? Double.doubleToRawLongBits(init.nextGaussian() * Math.scalb(1.0, init.nextInt(80) - 40))
                : 0xffffffff00000000L | Float.floatToRawIntBits((float) (init.nextGaussian() * Math.scalb(1.0, init.nextInt(40) - 20)));
        cpu.fp.frm = init.nextInt(5);
        RvTcg tcg = null;
        if (translate) {
            tcg = new RvTcg(m.model, new TcgOptions(0, true, 64 << 20, regionInsns));
            tcg.attach(cpu);
        }
        int trap = RiscvExec.run(cpu);
        if (translate) {
            tcg.printStats(new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            var st = tcg.cache().stats();
            assertTrue(st.unitEntries.sum() > 0, "translated code never ran");
            assertEquals(0, st.frameFallbacks.sum(), "units whose own stack map frames failed");
            TOTAL_INSNS.add(st.guestInsnsTranslated.sum());
            TOTAL_ENTRIES.add(st.unitEntries.sum());
            TOTAL_INTERP.add(st.interpretedBlocks.sum());
            TOTAL_NESTED.add(st.nestedCalls.sum());
        }
        byte[] mem = new byte[(int) DATA_LEN];
        java.lang.foreign.MemorySegment.copy(m.flat.seg, ValueLayout.JAVA_BYTE, DATA - BASE, mem, 0, mem.length);
        return new Result(Arrays.copyOf(cpu.x, 32), cpu.f.clone(), cpu.fp.flags, cpu.pc, trap, cpu.tval, mem);
    }

    static void compare(long seed, byte[] code) { compare(seed, code, 600); }

    static void compare(long seed, byte[] code, int regionInsns) {
        Result a = run(code, seed, false), b = run(code, seed, true, regionInsns);
        String where = "program seed " + seed;
        assertEquals(a.trap(), b.trap(), where + ": trap");
        assertEquals(a.pc(), b.pc(), where + ": pc");
        assertEquals(a.tval(), b.tval(), where + ": tval");
        for (int i = 0; i < 32; i++) assertEquals(a.x()[i], b.x()[i], where + ": x" + i);
        for (int i = 0; i < 32; i++) assertEquals(a.f()[i], b.f()[i], where + ": f" + i);
        assertEquals(a.flags(), b.flags(), where + ": fflags");
        assertArrayEquals(a.data(), b.data(), where + ": data memory");
    }

    @Test
    void randomProgramsAgreeBetweenInterpreterAndTranslator() {
        long seed0 = Long.getLong("jemu.fuzz.seed", 20261121L);
        int programs = Integer.getInteger("jemu.fuzz.programs", 150);
        Random rnd = new Random(seed0);
        for (int p = 0; p < programs; p++) {
            long seed = rnd.nextLong();
            byte[] code = program(new Random(seed), 20 + new Random(seed).nextInt(120), 1 + (int) ((seed >>> 40) & 15));
            compare(seed, code);
        }
        System.err.printf("fuzz: %d programs, %d guest insns translated, %d unit entries, %d interpreted blocks%n",
                programs, TOTAL_INSNS.sum(), TOTAL_ENTRIES.sum(), TOTAL_INTERP.sum());
    }

    /**
     * Calls out of a unit run nested (RvTcg.nest): indirect calls in a loop, a callee that calls again, a
     * recursion through a pointer deeper than the nesting bound, a callee that does not return to its caller,
     * and (with small regions) direct calls to functions outside the region (which leave the unit).
     */
    @Test
    void nestedCallsAgreeWithTheInterpreter() {
        RvAsm a = new RvAsm();
        final int F = 0x200, G = 0x240, REC = 0x280, H = 0x300, ESC = 0x180;
        a.lui(20, 0x10);                 // x20 = code base 0x10000
        a.addi(21, 20, F);
        a.addi(22, 20, G);
        a.addi(23, 20, ESC);
        a.addi(24, 20, REC);
        a.addi(25, 20, H);
        a.lui(5, 0x20);                  // x5 = data
        a.addi(6, 0, 0);
        a.addi(7, 0, 60);
        int loop = a.pc();
        a.jalr(1, 21, 0);                // f()
        a.jalr(1, 22, 0);                // g()
        a.jal(1, F);                     // f() directly
        a.addi(6, 6, 1);
        a.blt(6, 7, loop);
        a.addi(9, 0, 70);
        a.jalr(1, 24, 0);                // rec(70)
        a.jalr(1, 25, 0);                // h(): never returns here
        a.ebreak();
        while (a.pc() < ESC) a.addi(0, 0, 0);
        a.addi(26, 0, 5);
        a.ebreak();
        while (a.pc() < F) a.addi(0, 0, 0);
        a.add(10, 10, 6);                // f: x10 += i; [x5] = x10
        a.sd(10, 5, 0);
        a.jalr(0, 1, 0);
        while (a.pc() < G) a.addi(0, 0, 0);
        a.addi(27, 1, 0);                // g: x11 += 3; f(); [x5+8] = x11
        a.addi(11, 11, 3);
        a.jalr(1, 21, 0);
        a.sd(11, 5, 8);
        a.jalr(0, 27, 0);
        while (a.pc() < REC) a.addi(0, 0, 0);
        int base = a.pc() + 9 * 4;
        a.beq(9, 0, base);               // rec: if x9 == 0 return
        a.addi(5, 5, 16);
        a.sd(1, 5, 0);
        a.addi(9, 9, -1);
        a.add(12, 12, 9);
        a.jalr(1, 24, 0);                // rec(x9 - 1)
        a.ld(1, 5, 0);
        a.addi(5, 5, -16);
        a.jalr(0, 1, 0);
        a.jalr(0, 1, 0);                 // base
        while (a.pc() < H) a.addi(0, 0, 0);
        a.addi(13, 0, 7);                // h: off to ESC
        a.jalr(0, 23, 0);
        byte[] code = a.bytes();
        boolean was = RvTranslator.NEST;
        try {
            for (boolean nest : new boolean[] {true, false}) {
                RvTranslator.NEST = nest;
                long nested0 = TOTAL_NESTED.sum();
                compare(7, code);
                if (nest) assertTrue(TOTAL_NESTED.sum() > nested0 + 100, "calls ran nested");
                compare(7, code, 6);
                compare(7, code, 2);
                Result r = run(code, 7, true, 6);
                assertEquals(5, r.x()[26]);
                assertEquals(7, r.x()[13]);
            }
        } finally {
            RvTranslator.NEST = was;
        }
    }

    @Test
    void faultInsideTranslatedCodeIsPrecise() {
        // ld from below the mapped range after some register writes: same trap, pc and registers in both tiers
        RvAsm a = new RvAsm();
        a.addi(5, 0, 11);
        a.addi(6, 0, 22);
        a.lui(7, 1);            // x7 = 0x1000: unmapped
        a.ld(10, 7, 8);
        a.addi(5, 0, 33);
        a.ebreak();
        compare(1, a.bytes());
        Result r = run(a.bytes(), 1, true);
        assertEquals(Trap.LOAD_ACCESS_FAULT, r.trap());
        assertEquals(BASE + 12, r.pc());
        assertEquals(0x1008, r.tval());
        assertEquals(11, r.x()[5]);
    }

    @Test
    void roundingModesReachTheFpu() {
        // fadd.d f1, f2, f3 with each static rounding mode, then with rm=dyn under each frm: 1.0 + 2^-60
        for (int rm : new int[]{0, 1, 2, 3, 4, 7}) {
            RvAsm a = new RvAsm();
            a.w32(RvAsm.r(0x01, 3, 2, rm, 1, 0x53));
            a.ebreak();
            for (int frm = 0; frm < 5; frm++) {
                final int f = frm;
                Result[] rs = new Result[2];
                for (int t = 0; t < 2; t++) {
                    TestMemory m = new TestMemory(BASE, SIZE);
                    m.put(BASE, a.bytes());
                    RiscvCpu cpu = m.cpu(BASE);
                    cpu.f[2] = Double.doubleToRawLongBits(1.0);
                    cpu.f[3] = Double.doubleToRawLongBits(Math.scalb(1.0, -60));
                    cpu.fp.frm = f;
                    if (t == 1) new RvTcg(m.model, new TcgOptions(0, true, 64 << 20, 600)).attach(cpu);
                    int trap = RiscvExec.run(cpu);
                    rs[t] = new Result(cpu.x.clone(), cpu.f.clone(), cpu.fp.flags, cpu.pc, trap, cpu.tval, null);
                }
                assertEquals(rs[0].f()[1], rs[1].f()[1], "rm " + rm + " frm " + frm);
                assertEquals(rs[0].flags(), rs[1].flags(), "rm " + rm + " frm " + frm);
            }
        }
    }
}
