package org.jemu.target.riscv.translate;

import org.jemu.tcg.TbStats;
import org.jemu.tcg.TcgOptions;
import org.jemu.tcg.Translation;
import org.junit.jupiter.api.Test;

import org.jemu.target.riscv.RiscvCpu;

import static org.junit.jupiter.api.Assertions.*;

class RvTranslatorTest {
    static final TcgOptions OPTS = new TcgOptions(0, true, 1 << 20, 600);

    @Test
    void loopWithMemoryAndCallStaysInOneUnit() {
        {
            TestMemory m = new TestMemory(0x1000, 0xf000);
            RvAsm a = new RvAsm();
            // x10 = sum of i*i for i in 1..100, stored to [0x8000] ; calls a function that adds
            a.addi(10, 0, 0);           // 0
            a.addi(11, 0, 1);           // 4
            a.addi(12, 0, 101);         // 8
            int loop = a.pc();          // 12
            a.mul(13, 11, 11);
            a.jal(1, 0x100);            // call f
            a.addi(11, 11, 1);
            a.blt(11, 12, loop);
            a.lui(5, 8);                // x5 = 0x8000
            a.sd(10, 5, 0);
            a.ld(14, 5, 0);
            a.ebreak();
            while (a.pc() < 0x100) a.addi(0, 0, 0);
            a.add(10, 10, 13);          // f: x10 += x13
            a.jalr(0, 1, 0);            // ret
            m.put(0x1000, a.bytes());
            // 0x100 is relative to 0 — the code lives at 0x1000, so jal offsets are relative anyway.
            RvTranslator t = new RvTranslator(m.model, OPTS, new TbStats());
            Translation<RvUnit> tr = t.translate(0x1000);
            assertNotNull(tr);
            RiscvCpu s = m.cpu(0x1000);
            long next = tr.unit().exec(s, 0x1000);
            boolean interp = (next & RvUnit.INTERP) != 0;
            next &= ~RvUnit.INTERP;
            long expect = 0;
            for (int i = 1; i <= 100; i++) expect += (long) i * i;
            assertEquals(expect, s.x[10]);
            assertEquals(expect, s.x[14]);
            assertEquals(expect, m.ld(0x8000));
            assertEquals(0x1000 + 4 * 10, next, "stops at the ebreak");
            assertTrue(interp);
                        assertEquals(0, s.x[0]);
        }
    }

    /**
     * Exits write back only what the paths to them may have written: a register written in a loop body
     * reaches the hart at an exit from the loop head only through the back edge; one written only on a path
     * not taken keeps the hart's value.
     */
    @Test
    void exitsWriteBackWhatTheirPathsWrote() {
        TestMemory m = new TestMemory(0x1000, 0xf000);
        RvAsm a = new RvAsm();
        a.addi(11, 0, 3);           // 0x1000
        int loop = a.pc();          // 0x1004: loop head, exits to 0x1020 when x11 == 0
        a.beq(11, 0, 0x20);
        a.addi(7, 7, 5);            // 0x1008: written only in the body
        a.addi(11, 11, -1);         // 0x100c
        a.blt(11, 0, 0x1c);         // 0x1010: never taken
        a.jal(0, loop);             // 0x1014
        a.ebreak();                 // 0x1018
        a.addi(8, 0, 1);            // 0x101c: x8 only on the path never taken
        a.ebreak();                 // 0x1020
        m.put(0x1000, a.bytes());
        Translation<RvUnit> tr = new RvTranslator(m.model, OPTS, null).translate(0x1000);
        RiscvCpu s = m.cpu(0x1000);
        s.x[7] = 100;
        s.x[8] = 42;
        long next = tr.unit().exec(s, 0x1000) & ~RvUnit.INTERP;
        assertEquals(0x1020, next);
        assertEquals(115, s.x[7], "written in the body, reaches the exit through the back edge");
        assertEquals(0, s.x[11]);
        assertEquals(42, s.x[8], "the untaken path's register keeps the hart's value");
    }

    @Test
    void faultingLoadExitsBeforeItWithPreciseState() {
        {
            TestMemory m = new TestMemory(0x1000, 0xf000);
            m.setPerm(0x9000, 0); // page 0x9000 unmapped
            RvAsm a = new RvAsm();
            a.addi(5, 0, 7);
            a.lui(6, 9);
            a.ld(7, 6, 8);   // faults
            a.addi(5, 0, 9);
            a.ebreak();
            m.put(0x1000, a.bytes());
            Translation<RvUnit> tr = new RvTranslator(m.model, OPTS, null).translate(0x1000);
            RiscvCpu s = m.cpu(0x1000);
            long next = tr.unit().exec(s, 0x1000);
            boolean interp = (next & RvUnit.INTERP) != 0;
            next &= ~RvUnit.INTERP;
            assertEquals(0x1008, next);
            assertTrue(interp);
                        assertEquals(7, s.x[5]);
            assertEquals(0x9000, s.x[6]);
            assertEquals(0, s.x[7]);
        }
    }

    @Test
    void exitRequestStopsAnEndlessLoop() {
        {
            TestMemory m = new TestMemory(0x1000, 0xf000);
            RvAsm a = new RvAsm();
            int l = a.pc();
            a.addi(5, 5, 1);
            a.jal(0, l);
            m.put(0x1000, a.bytes());
            Translation<RvUnit> tr = new RvTranslator(m.model, OPTS, null).translate(0x1000);
            RiscvCpu s = m.cpu(0x1000);
            Thread stopper = Thread.ofPlatform().start(() -> {
                try { Thread.sleep(200); } catch (InterruptedException ignored) { }
                s.requestExit();
            });
            long next = tr.unit().exec(s, 0x1000);
            boolean interp = (next & RvUnit.INTERP) != 0;
            next &= ~RvUnit.INTERP;
            assertEquals(0x1000, next);
            assertTrue(s.x[5] > 0);
            assertDoesNotThrow(() -> stopper.join());
        }
    }

    /**
     * A loop whose hot half lies beyond a long cold path stays in one unit: with the interpreter's block counts
     * (heat), and without them through loop completion.
     */
    @Test
    void heatKeepsAScatteredLoopInOneUnit() {
        TcgOptions small = new TcgOptions(0, true, 1 << 20, 16);
        RvAsm a = new RvAsm();
        a.addi(11, 0, 0);
        a.addi(12, 0, 100);
        int loop = a.pc();
        a.addi(11, 11, 1);
        int branch = a.pc();
        a.bne(11, 0, branch + 4 + 4 * 31);   // always taken: the hot path is far away
        for (int i = 0; i < 30; i++) a.addi(20, 20, 1);   // cold
        a.ebreak();
        int hot = a.pc();
        assertEquals(branch + 4 + 4 * 31, hot);
        a.addi(10, 10, 3);
        a.blt(11, 12, loop);
        a.ebreak();
        for (boolean withHeat : new boolean[]{false, true}) {
            TestMemory m = new TestMemory(0x1000, 0xf000);
            m.put(0x1000, a.bytes());
            RvTranslator t = new RvTranslator(m.model, small, null);
            if (withHeat) t.withHeat(pc -> pc == 0x1000 + hot || pc == 0x1000 + loop ? 100 : 0);
            // with heat the hot half is explored first, from the program's start; without it nearest-first
            // discovery spends the cap on the cold path, and loop completion (RvTranslator.completeLoops) takes the
            // short way back in to a unit whose entry is the loop's head
            long entry = withHeat ? 0x1000 : 0x1000 + loop;
            Translation<RvUnit> tr = t.translate(entry);
            RiscvCpu s = m.cpu(entry);
            s.x[12] = 100;
            long next = tr.unit().exec(s, entry);
            String how = withHeat ? "heat" : "loop completion";
            assertEquals(0x1000 + hot + 8, next & ~RvUnit.INTERP, "the whole loop ran in the unit: " + how);
            assertEquals(100, s.x[11], how);
            assertEquals(300, s.x[10], how);
            assertEquals(0, s.x[20]);
        }
    }

    @Test
    void aStraightLineBlockIsNotCutAtTheInstructionCap() {
        TcgOptions small = new TcgOptions(0, true, 1 << 20, 16);
        RvAsm a = new RvAsm();
        for (int i = 0; i < 100; i++) a.addi(10 + i % 5, 10 + i % 5, i);   // one basic block of 100 instructions
        a.beq(0, 0, a.pc() + 8);                                            // then a branch: a new block
        a.addi(20, 0, 1);
        a.addi(21, 0, 1);
        a.ebreak();
        TestMemory m = new TestMemory(0x1000, 0xf000);
        m.put(0x1000, a.bytes());
        Translation<RvUnit> tr = new RvTranslator(m.model, small, null).translate(0x1000);
        assertEquals(101, tr.guestInsns(), "the whole block and its branch, nothing after the cap");
        RiscvCpu s = m.cpu(0x1000);
        long next = tr.unit().exec(s, 0x1000);
        assertEquals(0x1000 + 4 * 102, next, "leaves at the branch target: a block the cap did not let in");
        long[] expect = new long[5];
        for (int i = 0; i < 100; i++) expect[i % 5] += i;
        for (int k = 0; k < 5; k++) assertEquals(expect[k], s.x[10 + k]);
        assertEquals(0, s.x[20]);
        assertEquals(0, s.x[21]);
        // every instruction it runs through is covered (the interpreter's 64-instruction blocks start inside it)
        java.util.Set<Long> covered = new java.util.HashSet<>();
        for (long c : tr.covered()) covered.add(c);
        assertTrue(covered.contains(0x1000L + 4 * 64) && covered.contains(0x1000L + 4 * 99), "mid-block pcs covered");
        assertFalse(covered.contains(0x1000L), "not its own entry");
    }

    /** Runs the code at 0x1000 translated; returns the exit (pc | INTERP) and leaves the state in {@code s[0]}. */
    private static long runOnce(TestMemory m, RvAsm a, RiscvCpu[] s) {
        m.put(0x1000, a.bytes());
        Translation<RvUnit> tr = new RvTranslator(m.model, OPTS, null).translate(0x1000);
        s[0] = m.cpu(0x1000);
        return tr.unit().exec(s[0], 0x1000);
    }

    @Test
    void cachedPageDoesNotGrantWriteOrCrossingOrOtherPages() {
        RiscvCpu[] s = new RiscvCpu[1];
        {   // read-only page: loads hit the cached page, the store must still leave before it
            TestMemory m = new TestMemory(0x1000, 0xf000);
            m.setPerm(0x9000, org.jemu.tcg.PageTableMemory.R);
            RvAsm a = new RvAsm();
            a.lui(6, 9);            // 0x1000
            a.ld(7, 6, 8);          // 0x1004
            a.ld(8, 6, 0xff8 - 0x1000); // 0x1008: offset -8 → 0x8ff8 (other page)
            a.ld(8, 6, 0x7f8);      // 0x100c
            a.addi(5, 0, 1);        // 0x1010
            a.sd(7, 6, 16);         // 0x1014 store to the read-only page
            a.addi(5, 0, 2);
            a.ebreak();
            long next = runOnce(m, a, s);
            assertEquals(0x1014 | RvUnit.INTERP, next);
            assertEquals(1, s[0].x[5]);
            assertEquals(m.ld(0x97f8), s[0].x[8]);
        }
        {   // an access running past the end of the cached page goes to the interpreter
            TestMemory m = new TestMemory(0x1000, 0xf000);
            RvAsm a = new RvAsm();
            a.lui(6, 9);            // 0x1000
            a.ld(7, 6, 8);          // 0x1004
            a.addi(5, 0, 1);        // 0x1008
            a.lui(9, 0xa);          // 0x100c
            a.addi(9, 9, -4);       // 0x1010: 0x9ffc
            a.ld(8, 9, 0);          // 0x1014 crosses into 0xa000
            a.ebreak();
            assertEquals(0x1014 | RvUnit.INTERP, runOnce(m, a, s));
            assertEquals(1, s[0].x[5]);
        }
        {   // a different, unmapped page after a cached one; and a write-only check after a read hit
            TestMemory m = new TestMemory(0x1000, 0xf000);
            m.setPerm(0xa000, 0);
            RvAsm a = new RvAsm();
            a.lui(6, 9);            // 0x1000
            a.sd(6, 6, 0);          // 0x1004 W on 0x9000
            a.ld(7, 6, 0);          // 0x1008 R on 0x9000
            a.lui(9, 0xa);          // 0x100c
            a.ld(8, 9, 0);          // 0x1010 unmapped
            a.ebreak();
            assertEquals(0x1010 | RvUnit.INTERP, runOnce(m, a, s));
            assertEquals(0x9000, s[0].x[7]);
            assertEquals(0x9000, m.ld(0x9000));
        }
    }
}
