package org.jemu.target.riscv.softmmu;

import org.jemu.tcg.ClassData;
import org.jemu.tcg.GuestMemoryModel;
import org.jemu.target.riscv.Decoder;
import org.jemu.target.riscv.Insn;
import org.jemu.target.riscv.RiscvCpu;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.foreign.MemorySegment;

/**
 * System mode's {@link GuestMemoryModel}: translated loads and stores probe the executing hart's softmmu
 * TLB inline (QEMU's tlb_fast_path). {@link #hostLoad}/{@link #hostStore} are small static methods C2
 * inlines at every access: index = data regime × 1024 + virtual page number mod 1024, compare the tag with
 * the virtual page, add the entry's addend and the RAM segment's host address. Everything else — a TLB
 * miss, MMIO (never in the TLB), a page whose PTE or PMP does not grant the access to the whole page, a
 * store to a page without the D bit or holding decoded code (never in the store TLB), an access crossing a
 * page boundary — answers -1 and the unit leaves to the interpreter <em>before</em> the instruction, with
 * the registers written back: the interpreter then fills the TLB, or raises the fault exactly as without
 * translation.
 *
 * <p>The regime is read from the hart at every access, so a unit does not depend on the privilege, MPRV,
 * SUM or MXR it was translated under (they only change at instructions that end a unit anyway).
 *
 * <p>Code for the translator comes from one physical page: {@link SoftmmuTcg} resolves the virtual page of
 * a region's entry through the hart's fetch TLB and hands this model (per translating thread) the physical
 * page; {@link #fetchCode} answers only inside that virtual page, so a region never runs into a page mapped
 * differently. F/D instructions are left to the interpreter (they need mstatus.FS checks and dirty
 * tracking that translated code does not do).
 */
public final class SoftmmuModel implements GuestMemoryModel {
    private static final ClassDesc CD_SELF = ClassDesc.of(SoftmmuModel.class.getName());
    private static final MethodTypeDesc MT_HOST = MethodTypeDesc.of(ConstantDescs.CD_long,
            ClassDesc.of(RiscvCpu.class.getName()), ConstantDescs.CD_long, ConstantDescs.CD_int, ConstantDescs.CD_long);
    /** The local slot of the RiscvCpu argument of {@code RvUnit.exec(RiscvCpu, long)}. */
    private static final int CPU_SLOT = 1;

    private final MemorySegment ram;
    private final long hostBase;

    /** What the translating thread is translating: the entry's virtual page and its RAM page offset. */
    private static final class Source {
        long vpage, ppOff;
        /** The address of the second parcel of the 32-bit instruction whose first parcel was just fetched. */
        long hiAt = -1;
    }
    private final ThreadLocal<Source> source = new ThreadLocal<>();

    public SoftmmuModel(MemorySegment ram) {
        this.ram = ram;
        this.hostBase = ram.address();
    }

    /** Host address of an n-byte load at va through the hart's load TLB, or -1. */
    public static long hostLoad(RiscvCpu cpu, long va, int n, long hostBase) {
        Softmmu m = (Softmmu) cpu.mem;
        int i = m.dataMode << Softmmu.TLB_BITS | (int) (va >>> 12) & (Softmmu.TLB_SIZE - 1);
        if (m.loadTag[i] != (va & ~0xfffL) || (va & 0xfff) > 0x1000 - n) return -1;
        return va + m.loadAddend[i] + hostBase;
    }

    /** Host address of an n-byte store at va through the hart's store TLB, or -1. */
    public static long hostStore(RiscvCpu cpu, long va, int n, long hostBase) {
        Softmmu m = (Softmmu) cpu.mem;
        int i = m.dataMode << Softmmu.TLB_BITS | (int) (va >>> 12) & (Softmmu.TLB_SIZE - 1);
        if (m.storeTag[i] != (va & ~0xfffL) || (va & 0xfff) > 0x1000 - n) return -1;
        return va + m.storeAddend[i] + hostBase;
    }

    @Override
    public void emitHostAddress(CodeBuilder cb, ClassData cd, int addrSlot, int refSlot, int size, Access access, Label slow) {
        cb.aload(CPU_SLOT).lload(addrSlot).loadConstant(size).loadConstant(hostBase)
          .invokestatic(CD_SELF, access == Access.WRITE ? "hostStore" : "hostLoad", MT_HOST)
          .lstore(addrSlot);
        cb.lload(addrSlot).lconst_0().lcmp().iflt(slow);
        cb.lload(addrSlot);
    }

    /** Sets the code source for the calling thread's next translation. */
    void begin(long vpage, long ppOff) {
        Source s = new Source();
        s.vpage = vpage;
        s.ppOff = ppOff;
        source.set(s);
    }

    void end() { source.remove(); }

    @Override
    public long fetchCode(long a, int n) {
        Source s = source.get();
        if (s == null || (a & ~0xfffL) != s.vpage || (a & 0xfff) > 0x1000 - n) return -1;
        long off = s.ppOff + (a & 0xfff);
        if (n != 2) return ram.get(Softmmu.LE32, off) & 0xffffffffL;
        int v = ram.get(Softmmu.LE16, off) & 0xffff;
        boolean hi = s.hiAt == a;
        s.hiAt = -1;
        if (hi) return v;
        if ((v & 3) == 3) {
            if ((a & 0xfff) > 0xffc) return -1;          // the instruction straddles the page: not in this region
            if (excluded(Decoder.decode(ram.get(Softmmu.LE32, off)).insn())) return -1;
            s.hiAt = a + 2;
        } else if (excluded(Decoder.decode(v).insn())) {
            return -1;
        }
        return v;
    }

    /** Instructions the system-mode translator leaves to the interpreter beyond what RvTranslator already does. */
    static boolean excluded(Insn in) { return in.isFloat(); }
}
