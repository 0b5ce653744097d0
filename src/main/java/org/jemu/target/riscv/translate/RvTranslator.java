package org.jemu.target.riscv.translate;

import org.jemu.tcg.ClassData;
import org.jemu.tcg.GuestMemoryModel;
import org.jemu.tcg.GuestMemoryModel.Access;
import org.jemu.tcg.TbStats;
import org.jemu.tcg.TcgOptions;
import org.jemu.tcg.Translation;
import org.jemu.target.riscv.translate.Insn.Op;
import org.jemu.util.Log;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * Translates a region of RISC-V guest code into one JVM method (a hidden class extending {@link RvUnit}).
 *
 * <p>Region: every instruction reachable from the entry pc through fall-through, conditional branches and
 * direct jumps (calls included), up to a size cap. Blocks become labels in one method, so loops and calls
 * inside the region are plain JVM control flow that C2 compiles as a whole. Indirect jumps (returns, jump
 * tables) test the target against the region's block starts with a switch and leave only when it is outside.
 * Each block start is an entry point (a switch at method entry), so the cache maps all of them to the unit.
 *
 * <p>Guest registers live in JVM locals: loaded at entry, written back at the single shared exit. Every
 * instruction that can fault (memory access off the fast path) or that is not translated exits <em>before</em>
 * it with {@link RvState#EXIT_INTERP}, so the interpreter runs it with precise state. Loop heads (targets of
 * backward branches) and indirect dispatch read the volatile exit-request flag: an ordering point per
 * iteration, and a way for other threads to stop a spinning guest.
 *
 * <p>Generated methods are kept under {@link #MAX_CODE} bytes (HotSpot does not compile methods over 8000
 * bytes): an oversized region is re-discovered with half the instruction cap.
 */
public final class RvTranslator {
    /** Bytecode cap per generated method (HotSpot's HugeMethodLimit is 8000). */
    public static final int MAX_CODE = 6000;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final AtomicLong SEQ = new AtomicLong();
    private static final ClassDesc CD_UNIT = ClassDesc.of(RvUnit.class.getName());
    private static final ClassDesc CD_STATE = ClassDesc.of(RvState.class.getName());
    private static final ClassDesc CD_OPS = ClassDesc.of(Ops.class.getName());
    private static final ClassDesc CD_MEM = ClassDesc.of("org.jemu.tcg.HostMemory");
    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");
    private static final ClassDesc CD_LONGS = CD_long.arrayType();
    private static final MethodTypeDesc MT_JJ_J = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MT_J_J = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc MT_JJ_V = MethodTypeDesc.of(CD_void, CD_long, CD_long);
    private static final MethodTypeDesc MT_JJ_I = MethodTypeDesc.of(CD_int, CD_long, CD_long);
    private static final MethodTypeDesc MT_EXEC = MethodTypeDesc.of(CD_long, CD_STATE, CD_long);

    // local variable slots of exec(RvState s, long pc)
    private static final int S = 1, PC = 2, XA = 4, FA = 5, ADDR = 6, KIND = 8, XPC = 9, TMP = 11, XBASE = 13, FBASE = XBASE + 62;

    private final GuestMemoryModel mem;
    private final TcgOptions opts;
    private final TbStats stats;

    public RvTranslator(GuestMemoryModel mem, TcgOptions opts, TbStats stats) {
        this.mem = mem;
        this.opts = opts;
        this.stats = stats;
    }

    /** Whether the translator emits {@code op} inline (others end the block and run in the interpreter). */
    public static boolean supported(Op op) {
        return op.ordinal() < Op.FADD_S.ordinal();
    }

    // ------------------------------------------------------------------ region discovery

    /** The instructions of a region; {@code stops} maps pcs where discovery stopped to "interpreter must run it". */
    record Region(long entry, TreeMap<Long, Insn> insns, TreeSet<Long> leaders, Map<Long, Boolean> stops, BitSet loopHeads, List<Long> leaderList) {}

    Insn fetchDecode(long pc) {
        long lo = mem.fetchCode(pc, 2);
        if (lo < 0) return null;
        int raw = (int) lo;
        if ((raw & 3) == 3) {
            long hi = mem.fetchCode(pc + 2, 2);
            if (hi < 0) return null;
            raw |= (int) hi << 16;
        }
        Insn i = Decoder.decode(raw);
        return i != null && supported(i.op()) ? i : null;
    }

    Region discover(long entry, int cap) {
        TreeMap<Long, Insn> insns = new TreeMap<>();
        TreeSet<Long> leaders = new TreeSet<>();
        Map<Long, Boolean> stops = new HashMap<>();
        ArrayDeque<Long> work = new ArrayDeque<>();
        work.add(entry);
        leaders.add(entry);
        List<long[]> edges = new ArrayList<>(); // {from, to}
        while (!work.isEmpty()) {
            long pc = work.poll();
            while (true) {
                if (insns.containsKey(pc)) { leaders.add(pc); break; }
                if (insns.size() >= cap) { stops.putIfAbsent(pc, false); break; }
                Insn in = fetchDecode(pc);
                if (in == null) { stops.put(pc, true); break; }
                insns.put(pc, in);
                long next = pc + in.len();
                Op op = in.op();
                if (op.isBranch()) {
                    long t = pc + in.imm();
                    edges.add(new long[]{pc, t});
                    if (leaders.add(t)) work.add(t);
                    if (leaders.add(next)) work.addFirst(next);
                    break;
                }
                if (op == Op.JAL) {
                    long t = pc + in.imm();
                    edges.add(new long[]{pc, t});
                    if (leaders.add(t)) work.addFirst(t);
                    // a call's return address is a likely re-entry point (the callee returns there)
                    if (in.rd() != 0 && leaders.add(next)) work.add(next);
                    break;
                }
                if (op == Op.JALR) {
                    if (in.rd() != 0 && leaders.add(next)) work.add(next);
                    break;
                }
                pc = next;
            }
        }
        // leaders that were never decoded (cap reached / not translatable) are exits, not blocks
        leaders.removeIf(l -> !insns.containsKey(l));
        List<Long> leaderList = new ArrayList<>(leaders);
        BitSet loopHeads = new BitSet();
        for (long[] e : edges) {
            if (e[1] <= e[0] && leaders.contains(e[1])) loopHeads.set(leaderList.indexOf(e[1]));
        }
        return new Region(entry, insns, leaders, stops, loopHeads, leaderList);
    }

    // ------------------------------------------------------------------ translation

    /** Translates the region at {@code entry}; null when the first instruction cannot be translated. */
    public Translation<RvUnit> translate(long entry) {
        int cap = opts.maxRegionInsns();
        while (true) {
            Region r = discover(entry, cap);
            if (r.insns().isEmpty()) return null;
            String name = "TB_" + Long.toHexString(entry) + "_" + SEQ.incrementAndGet();
            ClassData cd = new ClassData();
            byte[] bytes = emitClass(r, name, cd);
            int codeLen = codeLength(bytes);
            if (codeLen > MAX_CODE && cap > 4) {
                cap = Math.max(4, r.insns().size() / 2);
                if (stats != null) stats.splitRetries.increment();
                continue;
            }
            RvUnit unit;
            try {
                var lk = LOOKUP.defineHiddenClassWithClassData(bytes, cd.values(), true);
                unit = (RvUnit) lk.findConstructor(lk.lookupClass(), MethodType.methodType(void.class)).invoke();
            } catch (Error | RuntimeException e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("defining translated unit " + name, e);
            }
            long[] entries = r.leaderList().stream().mapToLong(Long::longValue).toArray();
            long[] pages = r.insns().entrySet().stream()
                    .flatMapToLong(e -> java.util.stream.LongStream.of(e.getKey() >>> 12, (e.getKey() + e.getValue().len() - 1) >>> 12))
                    .distinct().toArray();
            if (Log.on(Log.Item.IN_ASM)) logRegion(r, name, codeLen);
            if (Log.on(Log.Item.OUT_ASM)) Log.log(ClassFile.of().parse(bytes).toDebugString());
            return new Translation<>(unit, entries, pages, r.insns().size(), codeLen, name);
        }
    }

    private void logRegion(Region r, String name, int codeLen) {
        StringBuilder sb = new StringBuilder();
        sb.append("IN: ").append(name).append(" (").append(r.insns().size()).append(" insns, ")
          .append(r.leaderList().size()).append(" entries, ").append(codeLen).append(" bytes of bytecode)\n");
        for (var e : r.insns().entrySet()) {
            Insn i = e.getValue();
            sb.append(String.format("0x%016x:  %s %08x  %s%n", e.getKey(), r.leaders().contains(e.getKey()) ? ">" : " ",
                    i.raw() & (i.len() == 2 ? 0xffff : -1), i.op().name().toLowerCase()));
        }
        Log.log(sb.toString());
    }

    static int codeLength(byte[] bytes) {
        ClassModel cm = ClassFile.of().parse(bytes);
        for (MethodModel m : cm.methods()) {
            if (m.methodName().equalsString("exec")) {
                return m.findAttribute(Attributes.code()).map(c -> c.codeLength()).orElse(0);
            }
        }
        return 0;
    }

    private byte[] emitClass(Region r, String name, ClassData cd) {
        ClassDesc self = ClassDesc.of(RvTranslator.class.getPackageName() + "." + name);
        return ClassFile.of().build(self, clb -> {
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            clb.withSuperclass(CD_UNIT);
            clb.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC,
                    cb -> cb.aload(0).invokespecial(CD_UNIT, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void).return_());
            clb.withMethodBody("entryPc", MethodTypeDesc.of(CD_long), ClassFile.ACC_PUBLIC,
                    cb -> cb.loadConstant(r.entry()).lreturn());
            clb.withMethodBody("exec", MT_EXEC, ClassFile.ACC_PUBLIC, cb -> new Emitter(cb, r, cd).emit());
        });
    }

    /** Emits the body of exec(RvState, long) for one region. */
    private final class Emitter {
        final CodeBuilder cb;
        final Region r;
        final ClassData cd;
        final Map<Long, Label> labels = new HashMap<>();
        final Label exit, dispatch;
        final BitSet xUsed = new BitSet(), xWritten = new BitSet(), fUsed = new BitSet(), fWritten = new BitSet();
        /** Exit stubs emitted after the body: label, pc, kind. */
        final List<Object[]> stubs = new ArrayList<>();
        final long base, span;

        Emitter(CodeBuilder cb, Region r, ClassData cd) {
            this.cb = cb;
            this.r = r;
            this.cd = cd;
            exit = cb.newLabel();
            dispatch = cb.newLabel();
            for (long l : r.leaderList()) labels.put(l, cb.newLabel());
            base = r.insns().firstKey();
            span = r.insns().lastKey() - base;
            for (Insn i : r.insns().values()) noteRegs(i);
        }

        void noteRegs(Insn i) {
            Op op = i.op();
            boolean fpDst = op == Op.FLW || op == Op.FLD || op == Op.FMV_W_X || op == Op.FMV_D_X
                    || (op.ordinal() >= Op.FSGNJ_S.ordinal() && op.ordinal() <= Op.FSGNJX_D.ordinal());
            boolean fpSrc1 = op == Op.FMV_X_W || op == Op.FMV_X_D || (op.ordinal() >= Op.FSGNJ_S.ordinal() && op.ordinal() <= Op.FSGNJX_D.ordinal());
            boolean fpSrc2 = op == Op.FSW || op == Op.FSD || (op.ordinal() >= Op.FSGNJ_S.ordinal() && op.ordinal() <= Op.FSGNJX_D.ordinal());
            if (i.rd() != 0 || fpDst) {
                if (fpDst) { fUsed.set(i.rd()); fWritten.set(i.rd()); }
                else if (!op.isBranch() && !op.isStore() && op != Op.FENCE) { xUsed.set(i.rd()); xWritten.set(i.rd()); }
            }
            if (fpSrc1) fUsed.set(i.rs1()); else xUsed.set(i.rs1());
            if (fpSrc2) fUsed.set(i.rs2()); else xUsed.set(i.rs2());
            xUsed.clear(0);
            xWritten.clear(0);
        }

        int xs(int r) { return XBASE + 2 * (r - 1); }
        int fs(int r) { return FBASE + 2 * r; }

        void ldx(int r) { if (r == 0) cb.lconst_0(); else cb.lload(xs(r)); }
        void stx(int r) { if (r == 0) cb.pop2(); else cb.lstore(xs(r)); }
        void ldf(int r) { cb.lload(fs(r)); }
        void stf(int r) { cb.lstore(fs(r)); }

        Label stub(long pc, int kind) {
            Label l = cb.newLabel();
            stubs.add(new Object[]{l, pc, kind});
            return l;
        }

        void exitTo(long pc, int kind) {
            cb.loadConstant(pc).lstore(XPC);
            if (kind != 0) cb.iconst_1().istore(KIND);
            cb.goto_(exit);
        }

        void emit() {
            // prologue: register files into locals
            cb.aload(S).getfield(CD_STATE, "x", CD_LONGS).astore(XA);
            cb.aload(S).getfield(CD_STATE, "f", CD_LONGS).astore(FA);
            for (int i = xUsed.nextSetBit(1); i >= 0; i = xUsed.nextSetBit(i + 1)) {
                cb.aload(XA).loadConstant(i).laload().lstore(xs(i));
            }
            for (int i = fUsed.nextSetBit(0); i >= 0; i = fUsed.nextSetBit(i + 1)) {
                cb.aload(FA).loadConstant(i).laload().lstore(fs(i));
            }
            cb.iconst_0().istore(KIND);
            cb.lload(PC).lstore(XPC);
            // dispatch on XPC: a block start of this region, else leave
            cb.labelBinding(dispatch);
            cb.lload(XPC).loadConstant(base).lsub().lstore(TMP);
            cb.lload(TMP).loadConstant(span).invokestatic(CD_LONG, "compareUnsigned", MT_JJ_I).ifgt(exit);
            List<SwitchCase> cases = new ArrayList<>();
            for (long l : r.leaderList()) cases.add(SwitchCase.of((int) (l - base), labels.get(l)));
            cb.lload(TMP).l2i().lookupswitch(exit, cases);

            for (int bi = 0; bi < r.leaderList().size(); bi++) {
                long pc = r.leaderList().get(bi);
                cb.labelBinding(labels.get(pc));
                if (r.loopHeads().get(bi)) {
                    Label go = cb.newLabel();
                    cb.aload(S).getfield(CD_STATE, "exitRequest", CD_int).ifeq(go);
                    exitTo(pc, 0);
                    cb.labelBinding(go);
                }
                emitBlock(pc);
            }

            for (Object[] s : stubs) {
                cb.labelBinding((Label) s[0]);
                exitTo((Long) s[1], (Integer) s[2]);
            }

            // the shared exit: write back what the region may have changed
            cb.labelBinding(exit);
            for (int i = xWritten.nextSetBit(1); i >= 0; i = xWritten.nextSetBit(i + 1)) {
                cb.aload(XA).loadConstant(i).lload(xs(i)).lastore();
            }
            for (int i = fWritten.nextSetBit(0); i >= 0; i = fWritten.nextSetBit(i + 1)) {
                cb.aload(FA).loadConstant(i).lload(fs(i)).lastore();
            }
            cb.aload(S).iload(KIND).putfield(CD_STATE, "exitKind", CD_int);
            cb.lload(XPC).lreturn();
        }

        boolean inRegion(long pc) { return labels.containsKey(pc); }

        void jumpTo(long target) {
            if (inRegion(target)) cb.goto_(labels.get(target));
            else exitTo(target, 0);
        }

        void emitBlock(long pc) {
            while (true) {
                Insn in = r.insns().get(pc);
                long next = pc + in.len();
                Op op = in.op();
                if (op.isBranch()) {
                    emitBranch(in, pc);
                    jumpTo(next);
                    return;
                }
                if (op == Op.JAL) {
                    if (in.rd() != 0) { cb.loadConstant(next); stx(in.rd()); }
                    jumpTo(pc + in.imm());
                    return;
                }
                if (op == Op.JALR) {
                    ldx(in.rs1());
                    if (in.imm() != 0) cb.loadConstant(in.imm()).ladd();
                    cb.loadConstant(-2L).land().lstore(XPC);
                    if (in.rd() != 0) { cb.loadConstant(next); stx(in.rd()); }
                    cb.aload(S).getfield(CD_STATE, "exitRequest", CD_int).ifne(exit);
                    cb.goto_(dispatch);
                    return;
                }
                emitInsn(in, pc);
                if (inRegion(next)) { cb.goto_(labels.get(next)); return; }
                if (!r.insns().containsKey(next)) {
                    Boolean interp = r.stops().get(next);
                    exitTo(next, interp != null && interp ? RvState.EXIT_INTERP : RvState.EXIT_NEXT);
                    return;
                }
                pc = next;
            }
        }

        void emitBranch(Insn in, long pc) {
            long target = pc + in.imm();
            Label t = inRegion(target) ? labels.get(target) : stub(target, 0);
            Op op = in.op();
            if ((op == Op.BEQ || op == Op.BNE) && in.rs2() == 0) {
                ldx(in.rs1());
                cb.lconst_0().lcmp();
            } else if (op == Op.BLTU || op == Op.BGEU) {
                ldx(in.rs1()); ldx(in.rs2());
                cb.invokestatic(CD_LONG, "compareUnsigned", MT_JJ_I);
            } else {
                ldx(in.rs1()); ldx(in.rs2());
                cb.lcmp();
            }
            Opcode opc = switch (op) {
                case BEQ -> Opcode.IFEQ; case BNE -> Opcode.IFNE;
                case BLT, BLTU -> Opcode.IFLT; default -> Opcode.IFGE;
            };
            cb.branch(opc, t);
        }

        /** rd = Ops.name(rs1, rs2) */
        void callR(Insn in, String name) {
            if (in.rd() == 0) return;
            ldx(in.rs1()); ldx(in.rs2());
            cb.invokestatic(CD_OPS, name, MT_JJ_J);
            stx(in.rd());
        }

        /** rd = Ops.name(rs1, imm) */
        void callI(Insn in, String name) {
            if (in.rd() == 0) return;
            ldx(in.rs1()); cb.loadConstant(in.imm());
            cb.invokestatic(CD_OPS, name, MT_JJ_J);
            stx(in.rd());
        }

        void alu(Insn in, Opcode opc, boolean imm) {
            if (in.rd() == 0) return;
            ldx(in.rs1());
            if (imm) cb.loadConstant(in.imm()); else ldx(in.rs2());
            cb.with(java.lang.classfile.instruction.OperatorInstruction.of(opc));
            stx(in.rd());
        }

        void shift(Insn in, Opcode opc, boolean imm) {
            if (in.rd() == 0) return;
            ldx(in.rs1());
            if (imm) cb.loadConstant((int) in.imm()); else { ldx(in.rs2()); cb.l2i(); }
            cb.with(java.lang.classfile.instruction.OperatorInstruction.of(opc));
            stx(in.rd());
        }

        /** 32-bit op on the low words, result sign-extended. */
        void aluW(Insn in, Opcode opc, boolean imm) {
            if (in.rd() == 0) return;
            ldx(in.rs1()); cb.l2i();
            if (imm) cb.loadConstant((int) in.imm()); else { ldx(in.rs2()); cb.l2i(); }
            cb.with(java.lang.classfile.instruction.OperatorInstruction.of(opc));
            cb.i2l();
            stx(in.rd());
        }

        /** Guest address rs1+imm into ADDR, then the host address on the stack (or off to the interpreter). */
        void address(Insn in, long pc, int size, Access acc) {
            ldx(in.rs1());
            if (in.imm() != 0) cb.loadConstant(in.imm()).ladd();
            cb.lstore(ADDR);
            mem.emitHostAddress(cb, cd, ADDR, size, acc, stub(pc, RvState.EXIT_INTERP));
        }

        void load(Insn in, long pc, int size, String fn, boolean fp) {
            address(in, pc, size, Access.READ);
            cb.invokestatic(CD_MEM, fn, MT_J_J);
            if (fp) {
                if (size == 4) cb.loadConstant(0xffffffff00000000L).lor();
                stf(in.rd());
            } else {
                stx(in.rd());
            }
        }

        void store(Insn in, long pc, int size, String fn, boolean fp) {
            address(in, pc, size, Access.WRITE);
            if (fp) ldf(in.rs2()); else ldx(in.rs2());
            cb.invokestatic(CD_MEM, fn, MT_JJ_V);
        }

        void fsgnj(Insn in, String name) {
            ldf(in.rs1()); ldf(in.rs2());
            cb.invokestatic(CD_OPS, name, MT_JJ_J);
            stf(in.rd());
        }

        void emitInsn(Insn in, long pc) {
            switch (in.op()) {
                case LUI -> { if (in.rd() != 0) { cb.loadConstant(in.imm()); stx(in.rd()); } }
                case AUIPC -> { if (in.rd() != 0) { cb.loadConstant(pc + in.imm()); stx(in.rd()); } }
                case LB -> load(in, pc, 1, "lb", false);
                case LH -> load(in, pc, 2, "lh", false);
                case LW -> load(in, pc, 4, "lw", false);
                case LD -> load(in, pc, 8, "ld", false);
                case LBU -> load(in, pc, 1, "lbu", false);
                case LHU -> load(in, pc, 2, "lhu", false);
                case LWU -> load(in, pc, 4, "lwu", false);
                case SB -> store(in, pc, 1, "sb", false);
                case SH -> store(in, pc, 2, "sh", false);
                case SW -> store(in, pc, 4, "sw", false);
                case SD -> store(in, pc, 8, "sd", false);
                case FLW -> load(in, pc, 4, "lwu", true);
                case FLD -> load(in, pc, 8, "ld", true);
                case FSW -> store(in, pc, 4, "sw", true);
                case FSD -> store(in, pc, 8, "sd", true);
                case ADDI -> {
                    if (in.rd() == 0) break;
                    ldx(in.rs1());
                    if (in.imm() != 0) cb.loadConstant(in.imm()).ladd();
                    stx(in.rd());
                }
                case SLTI -> callI(in, "slt");
                case SLTIU -> callI(in, "sltu");
                case XORI -> alu(in, Opcode.LXOR, true);
                case ORI -> alu(in, Opcode.LOR, true);
                case ANDI -> alu(in, Opcode.LAND, true);
                case SLLI -> shift(in, Opcode.LSHL, true);
                case SRLI -> shift(in, Opcode.LUSHR, true);
                case SRAI -> shift(in, Opcode.LSHR, true);
                case ADD -> alu(in, Opcode.LADD, false);
                case SUB -> alu(in, Opcode.LSUB, false);
                case SLL -> shift(in, Opcode.LSHL, false);
                case SLT -> callR(in, "slt");
                case SLTU -> callR(in, "sltu");
                case XOR -> alu(in, Opcode.LXOR, false);
                case SRL -> shift(in, Opcode.LUSHR, false);
                case SRA -> shift(in, Opcode.LSHR, false);
                case OR -> alu(in, Opcode.LOR, false);
                case AND -> alu(in, Opcode.LAND, false);
                case ADDIW -> aluW(in, Opcode.IADD, true);
                case SLLIW -> aluW(in, Opcode.ISHL, true);
                case SRLIW -> aluW(in, Opcode.IUSHR, true);
                case SRAIW -> aluW(in, Opcode.ISHR, true);
                case ADDW -> aluW(in, Opcode.IADD, false);
                case SUBW -> aluW(in, Opcode.ISUB, false);
                case SLLW -> aluW(in, Opcode.ISHL, false);
                case SRLW -> aluW(in, Opcode.IUSHR, false);
                case SRAW -> aluW(in, Opcode.ISHR, false);
                case MUL -> alu(in, Opcode.LMUL, false);
                case MULH -> callR(in, "mulh");
                case MULHSU -> callR(in, "mulhsu");
                case MULHU -> callR(in, "mulhu");
                case DIV -> callR(in, "div");
                case DIVU -> callR(in, "divu");
                case REM -> callR(in, "rem");
                case REMU -> callR(in, "remu");
                case MULW -> aluW(in, Opcode.IMUL, false);
                case DIVW -> callR(in, "divw");
                case DIVUW -> callR(in, "divuw");
                case REMW -> callR(in, "remw");
                case REMUW -> callR(in, "remuw");
                case FENCE -> { /* host TSO plus the volatile exit-request reads order enough for user mode */ }
                case SH1ADD -> callR(in, "sh1add");
                case SH2ADD -> callR(in, "sh2add");
                case SH3ADD -> callR(in, "sh3add");
                case ADD_UW -> callR(in, "addUw");
                case SH1ADD_UW -> callR(in, "sh1addUw");
                case SH2ADD_UW -> callR(in, "sh2addUw");
                case SH3ADD_UW -> callR(in, "sh3addUw");
                case SLLI_UW -> callI(in, "slliUw");
                case ANDN -> callR(in, "andn");
                case ORN -> callR(in, "orn");
                case XNOR -> callR(in, "xnor");
                case CLZ -> callR(in, "clz");
                case CTZ -> callR(in, "ctz");
                case CPOP -> callR(in, "cpop");
                case CLZW -> callR(in, "clzw");
                case CTZW -> callR(in, "ctzw");
                case CPOPW -> callR(in, "cpopw");
                case MAX -> callR(in, "max");
                case MAXU -> callR(in, "maxu");
                case MIN -> callR(in, "min");
                case MINU -> callR(in, "minu");
                case SEXT_B -> callR(in, "sextB");
                case SEXT_H -> callR(in, "sextH");
                case ZEXT_H -> callR(in, "zextH");
                case ROL -> callR(in, "rol");
                case ROR -> callR(in, "ror");
                case RORI -> callI(in, "ror");
                case ROLW -> callR(in, "rolw");
                case RORW -> callR(in, "rorw");
                case RORIW -> callI(in, "rorw");
                case ORC_B -> callR(in, "orcB");
                case REV8 -> callR(in, "rev8");
                case BCLR -> callR(in, "bclr");
                case BCLRI -> callI(in, "bclr");
                case BEXT -> callR(in, "bext");
                case BEXTI -> callI(in, "bext");
                case BINV -> callR(in, "binv");
                case BINVI -> callI(in, "binv");
                case BSET -> callR(in, "bset");
                case BSETI -> callI(in, "bset");
                case FMV_X_W -> { if (in.rd() != 0) { ldf(in.rs1()); cb.l2i().i2l(); stx(in.rd()); } }
                case FMV_W_X -> { ldx(in.rs1()); cb.loadConstant(0xffffffffL).land().loadConstant(0xffffffff00000000L).lor(); stf(in.rd()); }
                case FMV_X_D -> { if (in.rd() != 0) { ldf(in.rs1()); stx(in.rd()); } }
                case FMV_D_X -> { ldx(in.rs1()); stf(in.rd()); }
                case FSGNJ_S -> fsgnj(in, "fsgnjS");
                case FSGNJN_S -> fsgnj(in, "fsgnjnS");
                case FSGNJX_S -> fsgnj(in, "fsgnjxS");
                case FSGNJ_D -> fsgnj(in, "fsgnjD");
                case FSGNJN_D -> fsgnj(in, "fsgnjnD");
                case FSGNJX_D -> fsgnj(in, "fsgnjxD");
                default -> throw new IllegalStateException("no emitter for " + in.op());
            }
        }
    }
}
