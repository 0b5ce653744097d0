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
     * Op bit of a conditional branch inside a superblock ({@link RiscvCpu#superblocks}): taken, it leaves the
     * block; not taken, the block goes on with the next entry. A branch that ends its block has no such bit.
     */
    static final int SIDE = 256;
    static {
        if (Ops.COUNT > Block.END_OP) throw new ExceptionInInitializerError("Insn ordinals overlap Block.END_OP");
        // Initializes Alu before the first guest instruction. With the AOT cache's profile C2 compiles exec as
        // soon as the hart starts, often before any guest branch has called Alu; C2 compiles a static call
        // into a class not yet initialized as a trap ('unloaded'), so the first bltu/bgeu threw the fresh C2
        // code away and exec ran in C1 code until C2 had compiled it again (~0.3-0.6 s; -XX:+LogCompilation).
        try {
            java.lang.invoke.MethodHandles.lookup().ensureInitialized(Alu.class);
        } catch (IllegalAccessException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

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
                    b = translate(cpu.mem, pc, cpu.superblocks && gate != 0);
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

    /**
     * Decodes the block at {@code pc}; a fault fetching its first instruction propagates. With
     * {@code superblocks}, a conditional branch does not end the block: its not-taken path goes on inside it.
     */
    static Block translate(CpuMemory mem, long pc, boolean superblocks) {
        int[] code = new int[2 * Block.MAX_INSNS + 2];
        short[] offs = new short[Block.MAX_INSNS + 1];
        int n = 0;
        long a = pc;
        boolean log = Log.on(Log.Item.IN_ASM);
        StringBuilder sb = log ? new StringBuilder("----------------\nIN: \n") : null;
        for (;;) {
            // an instruction straddling a page boundary starts a block of its own (RiscvCpu.dropBlocks
            // relies on it: no block starting before the last parcel of a page reaches the next page)
            if ((a & 0xfff) == 0xffe && n > 0) { code[2 * n] = Block.END; offs[n] = (short) (a - pc); n++; break; }
            int w;
            try {
                w = fetch(mem, a);
            } catch (RiscvTrap t) {
                if (n == 0) throw t;
                code[2 * n] = Block.END; offs[n] = (short) (a - pc); n++;   // the next block will report the fault
                break;
            }
            Decoder.Op op = Decoder.decode(w);
            Insn in = op.insn();
            int rd = op.rd();
            if (rd == 0 && writesX(in)) rd = 32;
            boolean side = superblocks && in.fmt == Insn.Fmt.B;
            code[2 * n] = in.ordinal() | (side ? SIDE : 0) | (op.len() == 2 ? 1 << 9 : 0) | rd << 10 | op.rs1() << 16 | op.rs2() << 21 | op.rs3() << 26;
            // pc-relative immediates (auipc, jal, branches) are made relative to the block's start, so that
            // exec needs no running pc: the instruction's offset in the block (< 4 KiB) is added here
            int off = (int) (a - pc);
            code[2 * n + 1] = in == Insn.ILLEGAL ? op.raw()
                    : in == Insn.AUIPC || in == Insn.JAL || in.fmt == Insn.Fmt.B ? op.imm() + off : op.imm();
            offs[n] = (short) off;
            n++;
            if (log) sb.append(Disasm.line(a, op)).append('\n');
            a += op.len();
            boolean ends = endsBlock(in) && !side;
            if (ends || n == Block.MAX_INSNS || ((a ^ pc) >>> 12) != 0) {
                if (!ends) { code[2 * n] = Block.END; offs[n] = (short) (a - pc); n++; }
                break;
            }
        }
        if (log) Log.log(sb.toString());
        int real = code[2 * n - 2] == Block.END ? n - 1 : n;
        return new Block(pc, a, java.util.Arrays.copyOf(code, 2 * n), java.util.Arrays.copyOf(offs, n), real);
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
        long pc;
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
                final int rd = (w >>> 10) & 63, rs1 = (w >>> 16) & 31, rs2 = (w >>> 21) & 31, op = w & 0x1ff;
                switch (op) {
                    case LUI -> x[rd] = imm;
                    // no running pc: pc-relative immediates are relative to b.pc; a control transfer ends
                    // its block, so the next instruction's address is b.endPc
                    case AUIPC -> x[rd] = b.pc + imm;
                    case JAL -> { x[rd] = b.endPc; pc = b.pc + imm; break insns; }
                    case JALR -> { long t = (x[rs1] + imm) & ~1L; x[rd] = b.endPc; pc = t; break insns; }
                    case BEQ -> { pc = x[rs1] == x[rs2] ? b.pc + imm : b.endPc; break insns; }
                    case BNE -> { pc = x[rs1] != x[rs2] ? b.pc + imm : b.endPc; break insns; }
                    case BLT -> { pc = x[rs1] < x[rs2] ? b.pc + imm : b.endPc; break insns; }
                    case BGE -> { pc = x[rs1] >= x[rs2] ? b.pc + imm : b.endPc; break insns; }
                    case BLTU -> { pc = Alu.bltu(x[rs1], x[rs2]) ? b.pc + imm : b.endPc; break insns; }
                    case BGEU -> { pc = Alu.bgeu(x[rs1], x[rs2]) ? b.pc + imm : b.endPc; break insns; }
                    // a superblock's branches: taken, leave with the instructions after it not retired
                    case BEQ | SIDE -> { if (x[rs1] == x[rs2]) { pc = b.pc + imm; cpu.instret -= b.n - 1 - (i >> 1); break insns; } }
                    case BNE | SIDE -> { if (x[rs1] != x[rs2]) { pc = b.pc + imm; cpu.instret -= b.n - 1 - (i >> 1); break insns; } }
                    case BLT | SIDE -> { if (x[rs1] < x[rs2]) { pc = b.pc + imm; cpu.instret -= b.n - 1 - (i >> 1); break insns; } }
                    case BGE | SIDE -> { if (x[rs1] >= x[rs2]) { pc = b.pc + imm; cpu.instret -= b.n - 1 - (i >> 1); break insns; } }
                    case BLTU | SIDE -> { if (Alu.bltu(x[rs1], x[rs2])) { pc = b.pc + imm; cpu.instret -= b.n - 1 - (i >> 1); break insns; } }
                    case BGEU | SIDE -> { if (Alu.bgeu(x[rs1], x[rs2])) { pc = b.pc + imm; cpu.instret -= b.n - 1 - (i >> 1); break insns; } }
                    // one call site per access width: each inlines the whole TLB + MemorySegment path
                    case LB, LBU -> { long v = mem.load8(x[rs1] + imm); x[rd] = op == LB ? v : v & 0xffL; }
                    case LH, LHU -> { long v = mem.load16(x[rs1] + imm); x[rd] = op == LH ? v : v & 0xffffL; }
                    case LW, LWU -> { long v = mem.load32(x[rs1] + imm); x[rd] = op == LW ? v : v & 0xffffffffL; }
                    case LD -> x[rd] = mem.load64(x[rs1] + imm);
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
                    case MULW -> x[rd] = Alu.mulw(x[rs1], x[rs2]);
                    case SH1ADD -> x[rd] = Alu.sh1add(x[rs1], x[rs2]);
                    case SH2ADD -> x[rd] = Alu.sh2add(x[rs1], x[rs2]);
                    case SH3ADD -> x[rd] = Alu.sh3add(x[rs1], x[rs2]);
                    // the less frequent M/Zb*/Zicond operations: one call site, so that exec stays small
                    case MULH, MULHSU, MULHU, DIV, DIVU, REM, REMU, DIVW,
                         DIVUW, REMW, REMUW, ADD_UW, SH1ADD_UW, SH2ADD_UW, SH3ADD_UW, SLLI_UW,
                         ANDN, ORN, XNOR, CLZ, CTZ, CPOP, CLZW, CTZW,
                         CPOPW, MAX, MAXU, MIN, MINU, SEXT_B, SEXT_H, ZEXT_H,
                         ROL, ROR, RORI, ROLW, RORW, RORIW, ORC_B, REV8,
                         BCLR, BCLRI, BEXT, BEXTI, BINV, BINVI, BSET, BSETI,
                         CZERO_EQZ, CZERO_NEZ
                            -> x[rd] = alu2(op, x[rs1], x[rs2], imm);
                    case FENCE, FENCE_TSO -> VarHandle.fullFence();
                    case Block.END_OP -> { pc = b.endPc; break insns; }
                    default -> {
                        pc = b.pc + b.offs[i >> 1];
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
            pc = b.pc + b.offs[i >> 1];
            cpu.pc = pc;
            cpu.tval = t.cause == Trap.ILLEGAL_INSN ? insnBits(mem, pc) : t.tval;
            return t.cause;
        }
    }

    /** The M/Zba/Zbb/Zbs/Zicond operations {@link #exec} keeps out of its own switch ({@code b} = x[rs2]). */
    private static long alu2(int op, long a, long b, int imm) {
        return switch (op) {
            case MULH -> Alu.mulh(a, b);
            case MULHSU -> Alu.mulhsu(a, b);
            case MULHU -> Alu.mulhu(a, b);
            case DIV -> Alu.div(a, b);
            case DIVU -> Alu.divu(a, b);
            case REM -> Alu.rem(a, b);
            case REMU -> Alu.remu(a, b);
            case DIVW -> Alu.divw(a, b);
            case DIVUW -> Alu.divuw(a, b);
            case REMW -> Alu.remw(a, b);
            case REMUW -> Alu.remuw(a, b);
            case ADD_UW -> Alu.addUw(a, b);
            case SH1ADD_UW -> Alu.sh1addUw(a, b);
            case SH2ADD_UW -> Alu.sh2addUw(a, b);
            case SH3ADD_UW -> Alu.sh3addUw(a, b);
            case SLLI_UW -> Alu.slliUw(a, imm);
            case ANDN -> Alu.andn(a, b);
            case ORN -> Alu.orn(a, b);
            case XNOR -> Alu.xnor(a, b);
            case CLZ -> Alu.clz(a);
            case CTZ -> Alu.ctz(a);
            case CPOP -> Alu.cpop(a);
            case CLZW -> Alu.clzw(a);
            case CTZW -> Alu.ctzw(a);
            case CPOPW -> Alu.cpopw(a);
            case MAX -> Alu.max(a, b);
            case MAXU -> Alu.maxu(a, b);
            case MIN -> Alu.min(a, b);
            case MINU -> Alu.minu(a, b);
            case SEXT_B -> Alu.sextB(a);
            case SEXT_H -> Alu.sextH(a);
            case ZEXT_H -> Alu.zextH(a);
            case ROL -> Alu.rol(a, b);
            case ROR -> Alu.ror(a, b);
            case RORI -> Alu.ror(a, imm);
            case ROLW -> Alu.rolw(a, b);
            case RORW -> Alu.rorw(a, b);
            case RORIW -> Alu.rorw(a, imm);
            case ORC_B -> Alu.orcB(a);
            case REV8 -> Alu.rev8(a);
            case BCLR -> Alu.bclr(a, b);
            case BCLRI -> Alu.bclr(a, imm);
            case BEXT -> Alu.bext(a, b);
            case BEXTI -> Alu.bext(a, imm);
            case BINV -> Alu.binv(a, b);
            case BINVI -> Alu.binv(a, imm);
            case BSET -> Alu.bset(a, b);
            case BSETI -> Alu.bset(a, imm);
            case CZERO_EQZ -> Alu.czeroEqz(a, b);
            case CZERO_NEZ -> Alu.czeroNez(a, b);
            default -> throw new IllegalStateException("alu2 " + op);
        };
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
