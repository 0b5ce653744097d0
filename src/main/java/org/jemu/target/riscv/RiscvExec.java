package org.jemu.target.riscv;

import org.jemu.util.Log;

import java.lang.invoke.VarHandle;

import static org.jemu.target.riscv.CpuMemory.*;
import static org.jemu.target.riscv.Ops.*;

/**
 * The execution entry point of a hart (QEMU's cpu_exec): {@link #run} executes guest code until an event
 * and returns its code; the caller (linux-user's cpu_loop, or the system-mode vCPU thread) handles it and
 * calls {@code run} again.
 *
 * <p>Code runs through a fast interpreter over predecoded straight-line {@link Block blocks} cached by pc:
 * a block ends at a control transfer, a CSR or system instruction, fence.i, an illegal instruction, a page
 * boundary or {@link Block#MAX_INSNS}. Requests from other threads ({@link RiscvCpu#requestExit()},
 * {@link RiscvCpu#invalidateCode}) are seen at the next block boundary (one volatile read per block, which
 * is also the ordering point that keeps a guest spin loop observing other harts' stores).
 */
public final class RiscvExec {
    private RiscvExec() {}

    /** Internal status: fall through to the next instruction. */
    static final int NEXT = -1;
    /** Internal status: the instruction set {@link RiscvCpu#pc}; the block is done. */
    static final int JUMP = -2;

    private static final Insn[] OPS = Insn.values();
    /** Executions of a hot block between two questions to the translated tier that found nothing for it. */
    private static final int RECHECK = 64;
    private static final int CACHE_MASK = (1 << RiscvCpu.CACHE_BITS) - 1;

    /**
     * Runs the hart from {@code cpu.pc} until something needs its caller. Returns a {@link Trap} cause with
     * {@code cpu.pc} at the instruction that trapped (ecall included: the caller advances pc past it) and
     * {@code cpu.tval} set; or {@link Trap#EXIT_REQUEST} (pc at the next instruction to run); or what a
     * {@link Csrs} privileged hook returned.
     */
    public static int run(RiscvCpu cpu) {
        final Block[] cache = cpu.blocks;
        for (;;) {
            if (cpu.exitRequest != 0) {
                int req = cpu.takeRequests();
                if ((req & RiscvCpu.REQ_INVALIDATE) != 0) cpu.processInvalidations();
                if ((req & RiscvCpu.REQ_EXIT) != 0) return Trap.EXIT_REQUEST;
            }
            long pc = cpu.pc;
            final CodeTier tier = cpu.tcg;
            final int gate = tier == null ? Integer.MAX_VALUE : tier.blockThreshold();
            if (gate == 0 && tier.enter(cpu, pc)) continue;   // ran translated code up to cpu.pc
            int h = (int) (pc >>> 1) & CACHE_MASK;
            Block b = cache[h];
            long ctx = cpu.codeCtx;
            if (b == null || b.pc != pc || (b.ctx != ctx && b.ctx != (ctx & 6))) {
                try {
                    b = translate(cpu.mem, pc);
                } catch (RiscvTrap t) {
                    cpu.tval = t.tval;
                    return t.cause;
                }
                b.ctx = cpu.mem.codeContext(pc, ctx);
                cache[h] = b;
                cpu.blockCached(pc);
            }
            if (b.heat >= gate && gate != 0 && tier != null) {
                int e = tier.enterHot(cpu, pc);
                if (e > 0) continue;                                 // ran translated code up to cpu.pc
                if (e < 0) b.heat = gate - RECHECK;                   // not translated (yet): ask again later
            }
            int r = exec(cpu, b, gate);
            if (r != JUMP) return r;
        }
    }

    // ------------------------------------------------------------------------------------------ decoding

    /** Fetches the instruction at {@code pc}: 16-bit parcel, or both parcels of a 32-bit instruction. */
    static int fetch(CpuMemory mem, long pc) {
        int lo = mem.fetch16(pc);
        return (lo & 3) != 3 ? lo : lo | mem.fetch16(pc + 2) << 16;
    }

    /** Whether the instruction ends a block (it sets pc itself or may change what follows). */
    static boolean endsBlock(Insn in) {
        return switch (in.fmt) {
            case B, J, JR, CSR, CSRI, SFENCE -> true;
            default -> in == Insn.ECALL || in == Insn.EBREAK || in == Insn.FENCE_I || in == Insn.SRET || in == Insn.MRET
                    || in == Insn.WFI || in == Insn.ILLEGAL;
        };
    }

    /** Whether {@code rd} names an integer register written by the instruction (x0 writes go to the sink). */
    static boolean writesX(Insn in) { return in.fmt.template.indexOf('d') >= 0; }

    /** Decodes the block at {@code pc}; a fault fetching its first instruction propagates. */
    static Block translate(CpuMemory mem, long pc) {
        int[] code = new int[2 * Block.MAX_INSNS + 2];
        int n = 0;
        long a = pc;
        boolean log = Log.on(Log.Item.IN_ASM);
        StringBuilder sb = log ? new StringBuilder("----------------\nIN: \n") : null;
        for (;;) {
            // an instruction straddling a page boundary starts a block of its own (RiscvCpu.dropBlocks
            // relies on it: no block starting before the last parcel of a page reaches the next page)
            if ((a & 0xfff) == 0xffe && n > 0) { code[2 * n] = Block.END; n++; break; }
            int w;
            try {
                w = fetch(mem, a);
            } catch (RiscvTrap t) {
                if (n == 0) throw t;
                break;                                   // the next block will report the fault
            }
            Decoder.Op op = Decoder.decode(w);
            Insn in = op.insn();
            int rd = op.rd();
            if (rd == 0 && writesX(in)) rd = 32;
            code[2 * n] = in.ordinal() | (op.len() == 2 ? 1 << 9 : 0) | rd << 10 | op.rs1() << 16 | op.rs2() << 21 | op.rs3() << 26;
            code[2 * n + 1] = in == Insn.ILLEGAL ? op.raw() : op.imm();
            n++;
            if (log) sb.append(Disasm.line(a, op)).append('\n');
            a += op.len();
            if (endsBlock(in) || n == Block.MAX_INSNS || ((a ^ pc) >>> 12) != 0) {
                if (!endsBlock(in)) { code[2 * n] = Block.END; n++; }
                break;
            }
        }
        if (log) Log.log(sb.toString());
        int real = code[2 * n - 2] == Block.END ? n - 1 : n;
        return new Block(pc, a, java.util.Arrays.copyOf(code, 2 * n), real);
    }

    // ------------------------------------------------------------------------------------------ execution

    /**
     * Executes block {@code b} and the cached blocks it leads to, until a block is not in the cache, another
     * thread made a request, or an instruction traps. Returns {@link #JUMP} (cpu.pc is the next block) or a
     * trap/event code.
     */
    static int exec(RiscvCpu cpu, Block b, int gate) {
        final long[] x = cpu.x;
        final CpuMemory mem = cpu.mem;
        final Block[] cache = cpu.blocks;
        long pc = b.pc;
        int i = 0;
        try {
          for (;;) {
            final int[] code = b.code;
            cpu.instret += b.n;
            b.heat++;
            i = 0;
            insns:
            for (;; i += 2) {
                final int w = code[i], imm = code[i + 1];
                final int rd = (w >>> 10) & 63, rs1 = (w >>> 16) & 31, rs2 = (w >>> 21) & 31;
                switch (w & 0x1ff) {
                    case LUI -> x[rd] = imm;
                    case AUIPC -> x[rd] = pc + imm;
                    case JAL -> { x[rd] = pc + len(w); pc += imm; break insns; }
                    case JALR -> { long t = (x[rs1] + imm) & ~1L; x[rd] = pc + len(w); pc = t; break insns; }
                    case BEQ -> { pc = x[rs1] == x[rs2] ? pc + imm : pc + len(w); break insns; }
                    case BNE -> { pc = x[rs1] != x[rs2] ? pc + imm : pc + len(w); break insns; }
                    case BLT -> { pc = x[rs1] < x[rs2] ? pc + imm : pc + len(w); break insns; }
                    case BGE -> { pc = x[rs1] >= x[rs2] ? pc + imm : pc + len(w); break insns; }
                    case BLTU -> { pc = Alu.bltu(x[rs1], x[rs2]) ? pc + imm : pc + len(w); break insns; }
                    case BGEU -> { pc = Alu.bgeu(x[rs1], x[rs2]) ? pc + imm : pc + len(w); break insns; }
                    case LB -> x[rd] = mem.load8(x[rs1] + imm);
                    case LH -> x[rd] = mem.load16(x[rs1] + imm);
                    case LW -> x[rd] = mem.load32(x[rs1] + imm);
                    case LD -> x[rd] = mem.load64(x[rs1] + imm);
                    case LBU -> x[rd] = mem.load8(x[rs1] + imm) & 0xffL;
                    case LHU -> x[rd] = mem.load16(x[rs1] + imm) & 0xffffL;
                    case LWU -> x[rd] = mem.load32(x[rs1] + imm) & 0xffffffffL;
                    case SB -> mem.store8(x[rs1] + imm, (byte) x[rs2]);
                    case SH -> mem.store16(x[rs1] + imm, (short) x[rs2]);
                    case SW -> mem.store32(x[rs1] + imm, (int) x[rs2]);
                    case SD -> mem.store64(x[rs1] + imm, x[rs2]);
                    case ADDI -> x[rd] = x[rs1] + imm;
                    case SLTI -> x[rd] = Alu.slt(x[rs1], imm);
                    case SLTIU -> x[rd] = Alu.sltu(x[rs1], imm);
                    case XORI -> x[rd] = x[rs1] ^ imm;
                    case ORI -> x[rd] = x[rs1] | imm;
                    case ANDI -> x[rd] = x[rs1] & imm;
                    case SLLI -> x[rd] = x[rs1] << imm;
                    case SRLI -> x[rd] = x[rs1] >>> imm;
                    case SRAI -> x[rd] = x[rs1] >> imm;
                    case ADD -> x[rd] = x[rs1] + x[rs2];
                    case SUB -> x[rd] = x[rs1] - x[rs2];
                    case SLL -> x[rd] = x[rs1] << x[rs2];
                    case SLT -> x[rd] = Alu.slt(x[rs1], x[rs2]);
                    case SLTU -> x[rd] = Alu.sltu(x[rs1], x[rs2]);
                    case XOR -> x[rd] = x[rs1] ^ x[rs2];
                    case SRL -> x[rd] = x[rs1] >>> x[rs2];
                    case SRA -> x[rd] = x[rs1] >> x[rs2];
                    case OR -> x[rd] = x[rs1] | x[rs2];
                    case AND -> x[rd] = x[rs1] & x[rs2];
                    case ADDIW -> x[rd] = (int) (x[rs1] + imm);
                    case SLLIW -> x[rd] = Alu.sllw(x[rs1], imm);
                    case SRLIW -> x[rd] = Alu.srlw(x[rs1], imm);
                    case SRAIW -> x[rd] = Alu.sraw(x[rs1], imm);
                    case ADDW -> x[rd] = (int) (x[rs1] + x[rs2]);
                    case SUBW -> x[rd] = (int) (x[rs1] - x[rs2]);
                    case SLLW -> x[rd] = Alu.sllw(x[rs1], x[rs2]);
                    case SRLW -> x[rd] = Alu.srlw(x[rs1], x[rs2]);
                    case SRAW -> x[rd] = Alu.sraw(x[rs1], x[rs2]);
                    case MUL -> x[rd] = x[rs1] * x[rs2];
                    case MULH -> x[rd] = Alu.mulh(x[rs1], x[rs2]);
                    case MULHSU -> x[rd] = Alu.mulhsu(x[rs1], x[rs2]);
                    case MULHU -> x[rd] = Alu.mulhu(x[rs1], x[rs2]);
                    case DIV -> x[rd] = Alu.div(x[rs1], x[rs2]);
                    case DIVU -> x[rd] = Alu.divu(x[rs1], x[rs2]);
                    case REM -> x[rd] = Alu.rem(x[rs1], x[rs2]);
                    case REMU -> x[rd] = Alu.remu(x[rs1], x[rs2]);
                    case MULW -> x[rd] = Alu.mulw(x[rs1], x[rs2]);
                    case DIVW -> x[rd] = Alu.divw(x[rs1], x[rs2]);
                    case DIVUW -> x[rd] = Alu.divuw(x[rs1], x[rs2]);
                    case REMW -> x[rd] = Alu.remw(x[rs1], x[rs2]);
                    case REMUW -> x[rd] = Alu.remuw(x[rs1], x[rs2]);
                    case ADD_UW -> x[rd] = Alu.addUw(x[rs1], x[rs2]);
                    case SH1ADD -> x[rd] = Alu.sh1add(x[rs1], x[rs2]);
                    case SH2ADD -> x[rd] = Alu.sh2add(x[rs1], x[rs2]);
                    case SH3ADD -> x[rd] = Alu.sh3add(x[rs1], x[rs2]);
                    case SH1ADD_UW -> x[rd] = Alu.sh1addUw(x[rs1], x[rs2]);
                    case SH2ADD_UW -> x[rd] = Alu.sh2addUw(x[rs1], x[rs2]);
                    case SH3ADD_UW -> x[rd] = Alu.sh3addUw(x[rs1], x[rs2]);
                    case SLLI_UW -> x[rd] = Alu.slliUw(x[rs1], imm);
                    case ANDN -> x[rd] = Alu.andn(x[rs1], x[rs2]);
                    case ORN -> x[rd] = Alu.orn(x[rs1], x[rs2]);
                    case XNOR -> x[rd] = Alu.xnor(x[rs1], x[rs2]);
                    case CLZ -> x[rd] = Alu.clz(x[rs1]);
                    case CTZ -> x[rd] = Alu.ctz(x[rs1]);
                    case CPOP -> x[rd] = Alu.cpop(x[rs1]);
                    case CLZW -> x[rd] = Alu.clzw(x[rs1]);
                    case CTZW -> x[rd] = Alu.ctzw(x[rs1]);
                    case CPOPW -> x[rd] = Alu.cpopw(x[rs1]);
                    case MAX -> x[rd] = Alu.max(x[rs1], x[rs2]);
                    case MAXU -> x[rd] = Alu.maxu(x[rs1], x[rs2]);
                    case MIN -> x[rd] = Alu.min(x[rs1], x[rs2]);
                    case MINU -> x[rd] = Alu.minu(x[rs1], x[rs2]);
                    case SEXT_B -> x[rd] = Alu.sextB(x[rs1]);
                    case SEXT_H -> x[rd] = Alu.sextH(x[rs1]);
                    case ZEXT_H -> x[rd] = Alu.zextH(x[rs1]);
                    case ROL -> x[rd] = Alu.rol(x[rs1], x[rs2]);
                    case ROR -> x[rd] = Alu.ror(x[rs1], x[rs2]);
                    case RORI -> x[rd] = Alu.ror(x[rs1], imm);
                    case ROLW -> x[rd] = Alu.rolw(x[rs1], x[rs2]);
                    case RORW -> x[rd] = Alu.rorw(x[rs1], x[rs2]);
                    case RORIW -> x[rd] = Alu.rorw(x[rs1], imm);
                    case ORC_B -> x[rd] = Alu.orcB(x[rs1]);
                    case REV8 -> x[rd] = Alu.rev8(x[rs1]);
                    case BCLR -> x[rd] = Alu.bclr(x[rs1], x[rs2]);
                    case BCLRI -> x[rd] = Alu.bclr(x[rs1], imm);
                    case BEXT -> x[rd] = Alu.bext(x[rs1], x[rs2]);
                    case BEXTI -> x[rd] = Alu.bext(x[rs1], imm);
                    case BINV -> x[rd] = Alu.binv(x[rs1], x[rs2]);
                    case BINVI -> x[rd] = Alu.binv(x[rs1], imm);
                    case BSET -> x[rd] = Alu.bset(x[rs1], x[rs2]);
                    case BSETI -> x[rd] = Alu.bset(x[rs1], imm);
                    case CZERO_EQZ -> x[rd] = Alu.czeroEqz(x[rs1], x[rs2]);
                    case CZERO_NEZ -> x[rd] = Alu.czeroNez(x[rs1], x[rs2]);
                    case FENCE, FENCE_TSO -> VarHandle.fullFence();
                    default -> {
                        int r = slow(cpu, OPS[w & 0x1ff], w, imm, pc);
                        if (r != NEXT) {
                            if (r == JUMP) { pc = cpu.pc; break insns; }
                            cpu.instret -= b.n - (i >> 1);
                            if (r == Trap.ILLEGAL_INSN) cpu.tval = insnBits(mem, pc);
                            cpu.pc = pc;
                            return r;
                        }
                    }
                }
                pc += len(w);
            }
            // chain to the next block while it is cached and nobody asked the hart to stop
            if (cpu.exitRequest != 0 || gate == 0) break;   // requests, or let the translated tier see every boundary
            Block nb = cache[(int) (pc >>> 1) & CACHE_MASK];
            if (nb == null || nb.pc != pc || nb.heat >= gate) break;   // not cached, or hot: ask the translated tier
            long ctx = cpu.codeCtx;
            if (nb.ctx != ctx && nb.ctx != (ctx & 6)) break;      // decoded in another translation context
            b = nb;
          }
          cpu.pc = pc;
          return JUMP;
        } catch (RiscvTrap t) {
            cpu.instret -= b.n - (i >> 1);
            cpu.pc = pc;
            cpu.tval = t.cause == Trap.ILLEGAL_INSN ? insnBits(mem, pc) : t.tval;
            return t.cause;
        }
    }

    private static int len(int w) { return 4 - ((w >>> 8) & 2); }

    /** The bits of the instruction at pc, for tval of an illegal instruction. */
    private static long insnBits(CpuMemory mem, long pc) {
        try {
            int w = fetch(mem, pc);
            return (w & 3) != 3 ? w & 0xffff : w & 0xffffffffL;
        } catch (RiscvTrap t) {
            return 0;
        }
    }

    /** The less frequent instructions, kept out of {@link #exec} so that it stays small enough to JIT well. */
    private static int slow(RiscvCpu cpu, Insn in, int w, int imm, long pc) {
        final long[] x = cpu.x;
        final int rd = (w >>> 10) & 63, rs1 = (w >>> 16) & 31, rs2 = (w >>> 21) & 31;
        switch (in.fmt) {
            case CSR, CSRI -> { return csr(cpu, in, rd, rs1, imm & 0xfff, pc); }
            case AMO, LR -> { return amo(cpu, in, rd, rs1, rs2); }
            default -> {}
        }
        if (in.isFloat()) return FpExec.exec(cpu, in, w, imm);
        switch (in) {
            case ECALL: return Trap.ECALL_U + cpu.priv;
            case EBREAK: cpu.tval = pc; return Trap.BREAKPOINT;
            case FENCE_I:
                cpu.fenceI();
                cpu.pc = pc + len(w);
                return JUMP;
            case MRET: cpu.pc = pc; return priv(cpu.csrs.mret(cpu));
            case SRET: cpu.pc = pc; return priv(cpu.csrs.sret(cpu));
            case WFI: cpu.pc = pc; return priv(cpu.csrs.wfi(cpu));
            case SFENCE_VMA:
                cpu.pc = pc;
                return priv(cpu.csrs.sfenceVma(cpu, x[rs1], x[rs2], rs1 == 0, rs2 == 0));
            case ILLEGAL:
                if (w == Block.END) { cpu.pc = pc; return JUMP; }
                return Trap.ILLEGAL_INSN;
            default:
                throw new IllegalStateException("no semantics for " + in);
        }
    }

    /** A privileged hook's answer: -1 = continue at cpu.pc. */
    private static int priv(int r) { return r == -1 ? JUMP : r; }

    private static int csr(RiscvCpu cpu, Insn in, int rd, int rs1, int csr, long pc) {
        final long[] x = cpu.x;
        long src = in.fmt == Insn.Fmt.CSRI ? rs1 : x[rs1];
        boolean write = in == Insn.CSRRW || in == Insn.CSRRWI || rs1 != 0;
        boolean read = !(in == Insn.CSRRW || in == Insn.CSRRWI) || rd != 32;
        if (write && (csr >>> 10) == 3) return Trap.ILLEGAL_INSN;        // read-only CSR
        Csrs c = cpu.csrs;
        long old = read ? c.read(cpu, csr) : 0;
        if (write) {
            long v = switch (in) {
                case CSRRW, CSRRWI -> src;
                case CSRRS, CSRRSI -> c.rmwBase(cpu, csr, old) | src;
                default -> c.rmwBase(cpu, csr, old) & ~src;
            };
            c.write(cpu, csr, v);
        }
        x[rd] = old;
        cpu.pc = pc + 4;
        return JUMP;
    }

    private static int amo(RiscvCpu cpu, Insn in, int rd, int rs1, int rs2) {
        final long[] x = cpu.x;
        final CpuMemory mem = cpu.mem;
        long a = x[rs1];
        boolean d = in.name().endsWith("_D");
        if ((a & (d ? 7 : 3)) != 0) {
            cpu.tval = a;
            return in == Insn.LR_W || in == Insn.LR_D ? Trap.LOAD_MISALIGNED : Trap.STORE_MISALIGNED;
        }
        long v = x[rs2];
        switch (in) {
            case LR_W, LR_D -> {
                long r = d ? mem.load64(a) : mem.load32(a);
                cpu.resAddr = a;
                cpu.resValue = r;
                x[rd] = r;
            }
            case SC_W, SC_D -> {
                boolean ok = cpu.resAddr == a
                        && (d ? mem.cas64(a, cpu.resValue, v) : mem.cas32(a, (int) cpu.resValue, (int) v));
                cpu.resAddr = -1;
                x[rd] = ok ? 0 : 1;
            }
            default -> {
                int op = switch (in) {
                    case AMOSWAP_W, AMOSWAP_D -> AMO_SWAP;
                    case AMOADD_W, AMOADD_D -> AMO_ADD;
                    case AMOXOR_W, AMOXOR_D -> AMO_XOR;
                    case AMOAND_W, AMOAND_D -> AMO_AND;
                    case AMOOR_W, AMOOR_D -> AMO_OR;
                    case AMOMIN_W, AMOMIN_D -> AMO_MIN;
                    case AMOMAX_W, AMOMAX_D -> AMO_MAX;
                    case AMOMINU_W, AMOMINU_D -> AMO_MINU;
                    default -> AMO_MAXU;
                };
                x[rd] = d ? mem.amo64(op, a, v) : mem.amo32(op, a, (int) v);
            }
        }
        return NEXT;
    }
}
