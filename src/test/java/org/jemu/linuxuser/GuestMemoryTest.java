package org.jemu.linuxuser;

import org.jemu.target.riscv.RiscvTrap;
import org.jemu.target.riscv.Trap;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The guest page table, host mappings behind it, the CPU's checked view, and ELF validation. */
class GuestMemoryTest {
    static final long P = GuestMemory.PAGE_SIZE;

    @Test
    void mapProtectUnmapAndChecks() {
        GuestMemory m = GuestMemory.reserve(1L << 32, -1);
        assertEquals(0, m.mapAnon(0x10000, 3 * P, Host.PROT_READ | Host.PROT_WRITE));
        m.write64(0x10000 + P - 4, 0x1122334455667788L); // crosses a page
        assertEquals(0x1122334455667788L, m.read64(0x10000 + P - 4));
        assertTrue(m.check(0x10000, 3 * P, GuestMemory.PAGE_WRITE));
        assertFalse(m.check(0x10000, 3 * P + 1, GuestMemory.PAGE_READ));
        assertEquals(0, m.protect(0x10000 + P, P, Host.PROT_READ));
        GuestMemory.Fault f = assertThrows(GuestMemory.Fault.class, () -> m.write8(0x10000 + P + 5, (byte) 1));
        assertEquals(0x10000 + P + 5, f.addr);
        assertEquals(0x88, m.read8(0x10000 + P - 4) & 0xff);
        assertEquals(0, m.unmap(0x10000 + 2 * P, P));
        f = assertThrows(GuestMemory.Fault.class, () -> m.read32(0x10000 + 2 * P - 2));
        assertEquals(0x10000 + 2 * P, f.addr, "the fault names the first unmapped byte");
        assertEquals(-Errno.ENOMEM, m.protect(0x10000, 3 * P, Host.PROT_READ));
        // the address space's edges
        assertFalse(m.check(-8, 8, GuestMemory.PAGE_READ));
        assertFalse(m.check(m.size - 4, 8, GuestMemory.PAGE_READ));
        assertEquals(-Errno.ENOMEM, m.mapAnon(m.size - P, 2 * P, Host.PROT_READ));
        assertTrue(m.readCString(0x10000 + 3 * P - 2, 100) == null);
        assertEquals(2, m.regions().size(), "rw page, then the read-only page");
        // the flat copy translated code reads holds the same bits
        for (long a = 0x10000 - P; a < 0x10000 + 4 * P; a += P) {
            assertEquals((byte) m.pageFlags(a), Host.ALL.get(java.lang.foreign.ValueLayout.JAVA_BYTE, m.pageTable + (a >>> 12)),
                    "page 0x" + Long.toHexString(a));
        }
        assertEquals(GuestMemory.PAGE_READ | GuestMemory.PAGE_VALID, m.pageFlags(0x10000 + P), "the read-only page");
    }

    @Test
    void findFreeGoesTopDownAndSkipsMappings() {
        GuestMemory m = GuestMemory.reserve(1L << 32, -1);
        m.setMmapTop(0x100000);
        long a = m.findFree(0, 2 * P);
        assertEquals(0x100000 - 2 * P, a);
        m.mapAnon(a, 2 * P, Host.PROT_READ);
        long b = m.findFree(0, 4 * P);
        assertEquals(a - 4 * P, b);
        assertEquals(0x50000, m.findFree(0x50000, P), "a free hint is honoured");
        assertEquals(a - P, m.findFree(a, P), "a taken hint is not");
    }

    @Test
    void cpuMemoryRaisesGuestPageFaults() {
        GuestMemory m = GuestMemory.reserve(1L << 32, -1);
        m.mapAnon(0x20000, P, Host.PROT_READ | Host.PROT_EXEC);
        m.mapAnon(0x21000, P, Host.PROT_READ | Host.PROT_WRITE);
        UserCpuMemory c = new UserCpuMemory(m);
        c.store64(0x21008, -1L);
        assertEquals(-1L, c.load64(0x21008));
        assertEquals(0, c.amo64(UserCpuMemory.AMO_ADD, 0x21010, 5));
        assertEquals(5, c.load64(0x21010));
        assertTrue(c.cas32(0x21010, 5, 9));
        assertEquals(9, c.load32(0x21010));
        RiscvTrap t = assertThrows(RiscvTrap.class, () -> c.store32(0x20010, 1));
        assertEquals(Trap.STORE_PAGE_FAULT, t.cause);
        assertEquals(0x20010, t.tval);
        t = assertThrows(RiscvTrap.class, () -> c.fetch16(0x21000));
        assertEquals(Trap.INSN_PAGE_FAULT, t.cause);
        t = assertThrows(RiscvTrap.class, () -> c.load64(0x21ffc));
        assertEquals(Trap.LOAD_PAGE_FAULT, t.cause);
        assertEquals(0x22000, t.tval);
        t = assertThrows(RiscvTrap.class, () -> c.amo32(UserCpuMemory.AMO_OR, 0x20000, 1));
        assertEquals(Trap.STORE_PAGE_FAULT, t.cause, "AMOs on read-only memory are store faults");
        t = assertThrows(RiscvTrap.class, () -> c.load8(1L << 40));
        assertEquals(Trap.LOAD_PAGE_FAULT, t.cause);
    }

    static byte[] elf(int machine, int type, long phoff, int phnum, long[]... ph) {
        ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
        b.putShort(16, (short) type);
        b.putShort(18, (short) machine);
        b.putInt(20, 1);
        b.putLong(24, 0x10078);
        b.putLong(32, phoff);
        b.putShort(52, (short) 64);
        b.putShort(54, (short) 56);
        b.putShort(56, (short) phnum);
        for (int i = 0; i < ph.length; i++) {
            int o = (int) phoff + 56 * i;
            b.putInt(o, (int) ph[i][0]);
            b.putInt(o + 4, (int) ph[i][1]);
            b.putLong(o + 8, ph[i][2]);
            b.putLong(o + 16, ph[i][3]);
            b.putLong(o + 32, ph[i][4]);
            b.putLong(o + 40, ph[i][5]);
        }
        return b.array();
    }

    @Test
    void hostileElfHeadersAreRejectedCleanly() {
        GuestMemory m = GuestMemory.reserve(1L << 32, -1);
        long[] good = {ElfLoader.PT_LOAD, 5, 0, 0x10000, 4096, 4096};
        ElfLoader.Image img = ElfLoader.parse(elf(243, 2, 64, 1, good), "ok");
        ElfLoader.Loaded l = ElfLoader.load(m, img, 0, "ok");
        assertEquals(0x10078, l.entry());
        assertEquals(0x10040, l.phdrAddr());
        assertArrayEquals(new byte[] {0x7f, 'E', 'L', 'F'}, m.read(0x10000, 4));
        assertFalse(m.check(0x10000, 1, GuestMemory.PAGE_WRITE), "text is read-only");
        // wrong machine, class, type, phdr table, segment bounds
        assertThrows(LinuxUserException.class, () -> ElfLoader.parse(elf(62, 2, 64, 1, good), "x86"));
        byte[] bad = elf(243, 2, 64, 1, good);
        bad[4] = 1;
        assertThrows(LinuxUserException.class, () -> ElfLoader.parse(bad, "elf32"));
        assertThrows(LinuxUserException.class, () -> ElfLoader.parse(elf(243, 4, 64, 1, good), "core"));
        assertThrows(LinuxUserException.class, () -> ElfLoader.parse(elf(243, 2, 4000, 5, good), "phoff"));
        assertThrows(LinuxUserException.class, () -> ElfLoader.parse(elf(243, 2, 64, 0), "nophdr"));
        assertThrows(LinuxUserException.class,
                () -> ElfLoader.parse(elf(243, 2, 64, 1, new long[] {1, 5, 0, 0x10000, 1 << 20, 1 << 20}), "filesz"));
        assertThrows(LinuxUserException.class,
                () -> ElfLoader.parse(elf(243, 2, 64, 1, new long[] {1, 5, 0, 0x10000, 100, 50}), "memsz"));
        assertThrows(LinuxUserException.class,
                () -> ElfLoader.parse(elf(243, 2, 64, 1, new long[] {1, 5, 16, 0x10000, 100, 100}), "misaligned"));
        assertThrows(LinuxUserException.class,
                () -> ElfLoader.parse(java.util.Arrays.copyOf(elf(243, 2, 64, 1, good), 40), "truncated"));
        ElfLoader.Image huge = ElfLoader.parse(elf(243, 2, 64, 1, new long[] {1, 6, 0, 0x7fff_ffff_0000L, 100, 1L << 50}), "huge");
        assertThrows(LinuxUserException.class, () -> ElfLoader.load(GuestMemory.reserve(1L << 32, -1), huge, 0, "huge"));
        // random corruption: only LinuxUserException, never anything else
        Random r = new Random(42);
        GuestMemory g = GuestMemory.reserve(1L << 32, -1);
        for (int i = 0; i < 2000; i++) {
            byte[] e = elf(243, r.nextBoolean() ? 2 : 3, 64, 2, good, new long[] {1, 6, 0, 0x11000, 100, 8000});
            for (int k = 0; k < 4; k++) e[16 + r.nextInt(160)] = (byte) r.nextInt();
            try {
                ElfLoader.Image x = ElfLoader.parse(e, "fuzz");
                ElfLoader.load(g, x, 0, "fuzz");
            } catch (LinuxUserException ok) {
                // rejected cleanly
            }
            g.unmap(0, g.size);
        }
    }
}
