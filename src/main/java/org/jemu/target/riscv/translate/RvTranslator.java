package org.jemu.target.riscv.translate;

import org.jemu.tcg.ClassData;
import org.jemu.tcg.GuestMemoryModel;
import org.jemu.tcg.GuestMemoryModel.Access;
import org.jemu.tcg.TbStats;
import org.jemu.tcg.TcgOptions;
import org.jemu.tcg.Translation;
import org.jemu.target.riscv.Alu;
import org.jemu.target.riscv.Decoder;
import org.jemu.target.riscv.Disasm;
import org.jemu.target.riscv.Insn;
import org.jemu.target.riscv.RiscvCpu;
import org.jemu.target.riscv.fpu.FpState;
import org.jemu.util.Log;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.Opcode;
import java.lang.classfile.attribute.StackMapFrameInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.ObjectVerificationTypeInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.SimpleVerificationTypeInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.VerificationTypeInfo;
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
    private static final ClassDesc CD_CPU = ClassDesc.of(RiscvCpu.class.getName());
    private static final ClassDesc CD_FPSTATE = ClassDesc.of(FpState.class.getName());
    private static final ClassDesc CD_ALU = ClassDesc.of(Alu.class.getName());
    private static final ClassDesc CD_FPOPS = ClassDesc.of(FpOps.class.getName());
    private static final ClassDesc CD_ACCESS = ClassDesc.of(CpuAccess.class.getName());
    private static final ClassDesc CD_VARHANDLE = ClassDesc.of("java.lang.invoke.VarHandle");
    /** Guest loads and stores at host addresses: {@link org.jemu.tcg.HostMemory#accessClass()}. */
    private static final ClassDesc CD_MEM = ClassDesc.of(org.jemu.tcg.HostMemory.accessClass().getName());
    private static final ClassDesc CD_LONG = ClassDesc.of("java.lang.Long");
    private static final ClassDesc CD_LONGS = CD_long.arrayType();
    private static final MethodTypeDesc MT_JJ_J = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    private static final MethodTypeDesc MT_J_J = MethodTypeDesc.of(CD_long, CD_long);
    private static final MethodTypeDesc MT_JJ_V = MethodTypeDesc.of(CD_void, CD_long, CD_long);
    private static final MethodTypeDesc MT_JJ_I = MethodTypeDesc.of(CD_int, CD_long, CD_long);
    private static final MethodTypeDesc MT_JJ_Z = MethodTypeDesc.of(ConstantDescs.CD_boolean, CD_long, CD_long);
    private static final MethodTypeDesc MT_EXEC = MethodTypeDesc.of(CD_long, CD_CPU, CD_long);
    private static final MethodTypeDesc MT_CPU_I = MethodTypeDesc.of(CD_int, CD_CPU);
    private static final ClassDesc CD_TCG = ClassDesc.of(RvTcg.class.getName());
    private static final MethodTypeDesc MT_NEST = MethodTypeDesc.of(CD_long, CD_CPU, CD_long, CD_long);
    /**
     * Indirect calls run nested ({@link RvTcg#nest}) with -Djemu.tcg.nest=true. Off by default: measured no
     * gain on memstr and slower on qsort (more JIT work) on a loaded host (docs/tcg.md).
     */
    static volatile boolean NEST = Boolean.parseBoolean(System.getProperty("jemu.tcg.nest", "false"));
    private static final MethodTypeDesc MT_FP1 = MethodTypeDesc.of(CD_long, CD_long, CD_int, CD_FPSTATE);
    private static final MethodTypeDesc MT_FP2 = MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_int, CD_FPSTATE);
    private static final MethodTypeDesc MT_FP3 = MethodTypeDesc.of(CD_long, CD_long, CD_long, CD_long, CD_int, CD_FPSTATE);

    // local variable slots of exec(RiscvCpu cpu, long pc)
    private static final int CPU = 1, PC = 2, XA = 4, FA = 5, ADDR = 6, FPS = 8, XPC = 9, TMP = 11, REF = 13, RM = 14, BUDGET = 15,
            XBASE = 16, FBASE = XBASE + 62, MEMBASE = FBASE + 64;

    private final GuestMemoryModel mem;
    private final TcgOptions opts;
    private final TbStats stats;

    public RvTranslator(GuestMemoryModel mem, TcgOptions opts, TbStats stats) {
        this.mem = mem;
        this.opts = opts;
        this.stats = stats;
    }

    /** Interpreter entry counts per block start (e.g. {@link org.jemu.tcg.TbCache#heat}); null = none known. */
    private volatile java.util.function.LongToIntFunction heat;

    /** Lets region discovery explore the blocks the interpreter ran most first (see {@link #discover}). */
    public RvTranslator withHeat(java.util.function.LongToIntFunction heat) {
        this.heat = heat;
        return this;
    }

    /** Exploration cost of a block start from its heat: hotter blocks first (dominates distance and call penalty). */
    long coldness(long pc) {
        var h = heat;
        if (h == null) return 0;
        int n = h.applyAsInt(pc);
        return (long) Integer.numberOfLeadingZeros(Math.max(0, n)) << 42;   // log2 buckets: 0 → 32, 1 → 31, …
    }

    /** Whether the translator emits {@code in} inline (others end the block and run in the interpreter). */
    public static boolean supported(Insn in) {
        return switch (in.fmt) {
            case CSR, CSRI, AMO, LR, SFENCE -> false;
            case NONE -> in == Insn.FENCE_TSO;
            case R, R1, I, SHAMT, SHW, B -> in.fn != null;
            default -> in != Insn.ILLEGAL;
        };
    }

    /** Rounding-mode operand of an FP instruction: a static rm 5/6 is reserved (illegal) — left to the interpreter. */
    static boolean hasRm(Insn in) { return in.fmt.imm == Insn.Imm.RM; }

    // ------------------------------------------------------------------ region discovery

    /** The instructions of a region; {@code stops} maps pcs where discovery stopped to "interpreter must run it". */
    record Region(long entry, TreeMap<Long, Decoder.Op> insns, TreeSet<Long> leaders, Map<Long, Boolean> stops, BitSet loopHeads, List<Long> leaderList,
                  TreeSet<Long> cuts) {}

    Decoder.Op fetchDecode(long pc) {
        long lo = mem.fetchCode(pc, 2);
        if (lo < 0) return null;
        int raw = (int) lo;
        if ((raw & 3) == 3) {
            long hi = mem.fetchCode(pc + 2, 2);
            if (hi < 0) return null;
            raw |= (int) hi << 16;
        }
        Decoder.Op op = Decoder.decode(raw);
        Insn in = op.insn();
        if (!supported(in)) return null;
        if (hasRm(in) && (op.imm() == 5 || op.imm() == 6)) return null;
        return op;
    }

    /** Rough bytecode size of an instruction's translation (guides the region size; the real size is checked). */
    static int estimate(Decoder.Op op) {
        Insn in = op.insn();
        return switch (in.fmt) {
            case LOAD, STORE, FLOAD, FSTORE -> 34;
            case B -> 16;
            case J, JR -> 22;
            case R, R1, I, SHAMT, SHW, U -> 10;
            default -> op.imm() == 7 && hasRm(in) ? 30 : 16;
        };
    }

    Region discover(long entry, int cap) { return discover(entry, cap, BYTE_BUDGET); }

    /** Target bytecode size of a region (below {@link #MAX_CODE}, leaving room for prologue, exits and errors in the estimate). */
    static final int BYTE_BUDGET = 4200;
    /** Loop iterations (and in-region returns) a unit runs per call before returning to the dispatcher (-Djemu.tcg.loop-budget; default unlimited: measured slower on qsort). */
    static final int LOOP_BUDGET = Integer.getInteger("jemu.tcg.loop-budget", 0) <= 0 ? Integer.MAX_VALUE : Integer.getInteger("jemu.tcg.loop-budget", 0);
    /** Whether a basic block begun below the instruction cap is finished (-Djemu.tcg.whole-blocks=false: cut at the cap). */
    /** Whether Alu's straight-line functions are copied into units rather than called (-Djemu.tcg.copy-alu=false: calls). */
    static final boolean COPY_ALU = Boolean.parseBoolean(System.getProperty("jemu.tcg.copy-alu", "true"));
    /** Whether every instruction of a unit counts as covered, not only its block starts (-Djemu.tcg.cover-all=false). */
    static final boolean COVER_ALL = Boolean.parseBoolean(System.getProperty("jemu.tcg.cover-all", "true"));
    /** Whether a unit cut for size in straight-line code asks for its continuation at once (-Djemu.tcg.chain=false). */
    static final boolean CHAIN = Boolean.parseBoolean(System.getProperty("jemu.tcg.chain", "true"));
    static final boolean WHOLE_BLOCKS = Boolean.parseBoolean(System.getProperty("jemu.tcg.whole-blocks", "true"));
    /**
     * Whether each exit writes back only the registers the paths to it may have written (-Djemu.tcg.dirty-exits=false:
     * every exit writes back every register the unit writes, through one shared exit).
     */
    static final boolean DIRTY_EXITS = Boolean.parseBoolean(System.getProperty("jemu.tcg.dirty-exits", "true"));
    /** Whether discovery completes loops back to the entry past the instruction cap (-Djemu.tcg.loop-completion=false). */
    static final boolean LOOP_COMPLETION = Boolean.parseBoolean(System.getProperty("jemu.tcg.loop-completion", "true"));
    /**
     * Exploration cost added to the bodies of called functions: above the distance (capped at 2^39) and above
     * the heat buckets ({@link #coldness}, up to 32 &lt;&lt; 42), so a region takes the hot blocks of its own
     * function first and a callee — a recursive call to itself above all — only with what budget is left
     * (with heat ordering first, qsort's recursion became a loop inside one unit, compiled only through OSR).
     */
    static final long CALL_PENALTY = 1L << 48;

    private long[] item(long pc, long penalty, long entry) {
        return new long[]{pc, penalty, coldness(pc) + penalty + Math.min(Math.abs(pc - entry), 1L << 39)};
    }

    /** Most guest instructions {@link #completeLoops} takes in past the instruction cap for one path. */
    static final int COMPLETION_INSNS = 24;
    /** Most blocks {@link #completeLoops} decodes while looking for one path. */
    private static final int COMPLETION_SEARCH = 16;

    /** A straight run of code ending at a branch or jump (or where the region or translatable code ends). */
    private record Run(long start, List<Decoder.Op> ops, long[] succ) {}

    /** Decodes the run at {@code pc} up to the region, a branch or jump, or {@code max} instructions; null if none. */
    private Run run(long pc, TreeMap<Long, Decoder.Op> insns, int max) {
        List<Decoder.Op> ops = new ArrayList<>();
        long start = pc;
        while (ops.size() < max) {
            if (insns.containsKey(pc)) return ops.isEmpty() ? null : new Run(start, ops, new long[]{pc});
            Decoder.Op op = fetchDecode(pc);
            if (op == null) return null;
            ops.add(op);
            Insn in = op.insn();
            if (in.isBranch()) return new Run(start, ops, new long[]{pc + op.imm(), pc + op.len()});
            if (in == Insn.JAL && op.rd() == 0) return new Run(start, ops, new long[]{pc + op.imm()});
            if (in == Insn.JAL || in == Insn.JALR) return null;
            pc += op.len();
        }
        return null;
    }

    /**
     * Loop completion: where discovery stopped at the instruction cap, the shortest path (at most
     * {@link #COMPLETION_INSNS} instructions) that leads back to the unit's entry is taken in too, within the
     * bytecode budget; its other branch directions leave the unit. Discovery takes nearest code first, so a
     * loop whose hot blocks alternate with cold ones (glibc's unrolled memcmp: each word compare is followed
     * by its mismatch path) filled the cap with the cold paths and was cut in two units that dispatched into
     * each other twice per iteration. Only paths back to the entry: closing loops to other blocks as well
     * made qsort's units bigger and cost 50 % more C2 time for no gain. Returns the new size estimate.
     */
    private int completeLoops(long entry, TreeMap<Long, Decoder.Op> insns, TreeSet<Long> leaders, Map<Long, Boolean> stops,
                           List<long[]> edges, int est, int budget) {
        for (long start : new TreeSet<>(stops.keySet())) {
            if (stops.get(start) || insns.containsKey(start) || !leaders.contains(start)) continue;
            // breadth-first over runs: parent links give the path back
            Map<Long, Run> runs = new HashMap<>();
            Map<Long, Long> parent = new HashMap<>();
            Map<Long, Integer> length = new HashMap<>();
            java.util.ArrayDeque<Long> queue = new java.util.ArrayDeque<>();
            queue.add(start);
            length.put(start, 0);
            Long found = null;
            while (!queue.isEmpty() && runs.size() < COMPLETION_SEARCH && found == null) {
                long pc = queue.poll();
                Run r = run(pc, insns, COMPLETION_INSNS - length.get(pc));
                if (r == null) continue;
                runs.put(pc, r);
                int len = length.get(pc) + r.ops().size();
                for (long t : r.succ()) {
                    if (t == entry) { found = pc; break; }
                    if (len < COMPLETION_INSNS && !length.containsKey(t)) {
                        length.put(t, len);
                        parent.put(t, pc);
                        queue.add(t);
                    }
                }
            }
            if (found == null) continue;
            int add = 0;
            List<Run> path = new ArrayList<>();
            for (Long pc = found; pc != null; pc = parent.get(pc)) path.add(runs.get(pc));
            for (Run r : path) for (Decoder.Op op : r.ops()) add += estimate(op) + 8;
            if (est + add > budget) continue;
            for (Run r : path) {
                long a = r.start();
                for (Decoder.Op op : r.ops()) { insns.put(a, op); a += op.len(); }
                long last = a - r.ops().get(r.ops().size() - 1).len();
                leaders.add(r.start());
                for (long t : r.succ()) {
                    edges.add(new long[]{last, t});
                    leaders.add(t);   // a successor outside the region stays a leader only if decoded: else an exit
                }
            }
            est += add;
        }
        return est;
    }

    Region discover(long entry, int cap, int budget) {
        int est = 0;
        TreeMap<Long, Decoder.Op> insns = new TreeMap<>();
        TreeSet<Long> leaders = new TreeSet<>();
        Map<Long, Boolean> stops = new HashMap<>();
        TreeSet<Long> cuts = new TreeSet<>();
        // Nearest code first (loops are compact around their head); the bodies of called functions only with
        // what budget is left: they are penalised, so a region covers a hot loop rather than the cold code
        // after it.
        // With heat known (interpreter entry counts), hotter blocks come before all of that: a loop whose
        // blocks are scattered among cold paths (glibc's memcmp, qsort's partition) stays in one unit.
        java.util.PriorityQueue<long[]> work = new java.util.PriorityQueue<>((a, b) -> Long.compare(a[2], b[2]));
        work.add(new long[]{entry, 0, 0});
        leaders.add(entry);
        List<long[]> edges = new ArrayList<>(); // {from, to}
        while (!work.isEmpty()) {
            long[] w = work.poll();
            long pc = w[0];
            long penalty = w[1];
            boolean blockStart = true;
            while (true) {
                if (insns.containsKey(pc)) { leaders.add(pc); break; }
                // the instruction cap starts no new block, but a block already begun runs on to its end (up to
                // the bytecode budget): straight-line code (unrolled rounds of a hash) is not cut into many
                // small units that each pay an exit and an entry
                if (est >= budget || (insns.size() >= cap && (blockStart || !WHOLE_BLOCKS))) {
                    stops.putIfAbsent(pc, false);
                    if (!blockStart) cuts.add(pc);   // straight-line code cut for size: its continuation
                    break;
                }
                blockStart = false;
                Decoder.Op op = fetchDecode(pc);
                if (op == null) { stops.put(pc, true); break; }
                insns.put(pc, op);
                est += estimate(op) + 8; // + its share of register traffic and exits
                long next = pc + op.len();
                Insn in = op.insn();
                if (in.isBranch()) {
                    long t = pc + op.imm();
                    edges.add(new long[]{pc, t});
                    if (leaders.add(t)) work.add(item(t, penalty, entry));
                    if (leaders.add(next)) work.add(item(next, penalty, entry));
                    break;
                }
                if (in == Insn.JAL) {
                    long t = pc + op.imm();
                    edges.add(new long[]{pc, t});
                    boolean call = op.rd() != 0;
                    if (leaders.add(t)) work.add(item(t, call ? CALL_PENALTY : penalty, entry));
                    // a call's return address is a likely re-entry point (the callee returns there)
                    if (call && leaders.add(next)) work.add(item(next, penalty, entry));
                    break;
                }
                if (in == Insn.JALR) {
                    if (op.rd() != 0 && leaders.add(next)) work.add(item(next, penalty, entry));
                    break;
                }
                pc = next;
            }
        }
        if (LOOP_COMPLETION) est = completeLoops(entry, insns, leaders, stops, edges, est, budget);
        // leaders that were never decoded (cap reached / not translatable) are exits, not blocks
        leaders.removeIf(l -> !insns.containsKey(l));
        List<Long> leaderList = new ArrayList<>(leaders);
        BitSet loopHeads = new BitSet();
        Map<Long, Integer> index = new HashMap<>();
        for (int i = 0; i < leaderList.size(); i++) index.put(leaderList.get(i), i);
        for (long[] e : edges) {
            Integer i = index.get(e[1]);
            if (e[1] <= e[0] && i != null) loopHeads.set(i);
        }
        cuts.removeIf(insns::containsKey);
        return new Region(entry, insns, leaders, stops, loopHeads, leaderList, cuts);
    }

    // ------------------------------------------------------------------ translation

    /** Translates the region at {@code entry}; null when the first instruction cannot be translated. */
    public Translation<RvUnit> translate(long entry) {
        int cap = opts.maxRegionInsns(), budget = BYTE_BUDGET;
        while (true) {
            Region r = discover(entry, cap, budget);
            if (r.insns().isEmpty()) return null;
            String name = "TB_" + Long.toHexString(entry) + "_" + SEQ.incrementAndGet();
            ClassData cd = new ClassData();
            byte[] bytes = FRAMES ? emitClass(r, name, cd, true) : null;
            if (bytes == null) bytes = emitClass(r, name, cd = new ClassData(), false);
            int codeLen = codeLength(bytes);
            if (codeLen > MAX_CODE && cap > 4) {
                cap = Math.max(4, r.insns().size() / 2);
                budget /= 2;
                if (stats != null) stats.splitRetries.increment();
                continue;
            }
            RvUnit unit;
            try {
                unit = define(bytes, cd);
            } catch (VerifyError e) {
                // our own stack map frames did not hold for this unit: the JDK's generator instead
                if (stats != null) stats.frameFallbacks.increment();
                bytes = emitClass(r, name, cd = new ClassData(), false);
                try {
                    unit = define(bytes, cd);
                } catch (Error | RuntimeException e2) {
                    throw e2;
                } catch (Throwable e2) {
                    throw new IllegalStateException("defining translated unit " + name, e2);
                }
            } catch (Error | RuntimeException e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException("defining translated unit " + name, e);
            }
            long[] entries = {entry};
            long[] pages = r.insns().entrySet().stream()
                    .flatMapToLong(e -> java.util.stream.LongStream.of(e.getKey() >>> 12, (e.getKey() + e.getValue().len() - 1) >>> 12))
                    .distinct().toArray();
            if (Log.on(Log.Item.IN_ASM)) logRegion(r, name, codeLen);
            if (Log.on(Log.Item.OUT_ASM)) Log.log(ClassFile.of().parse(bytes).toDebugString());
            // every instruction the unit runs through, not only its block starts: the interpreter's blocks (up
            // to 64 instructions) start anywhere in a long straight-line run, and each of them got hot while the
            // run was interpreted — translating them all made 134 overlapping units of sha256's one function
            long[] covered = (COVER_ALL ? r.insns().keySet().stream() : r.leaderList().stream())
                    .mapToLong(Long::longValue).filter(l -> l != entry).toArray();
            long[] continuations = CHAIN ? r.cuts().stream().mapToLong(Long::longValue).toArray() : new long[0];
            return new Translation<>(unit, entries, pages, r.insns().size(), codeLen, name, covered, continuations);
        }
    }

    private static RvUnit define(byte[] bytes, ClassData cd) throws Throwable {
        var lk = LOOKUP.defineHiddenClassWithClassData(bytes, cd.values(), true);
        return (RvUnit) lk.findConstructor(lk.lookupClass(), MethodType.methodType(void.class)).invoke();
    }

    private void logRegion(Region r, String name, int codeLen) {
        StringBuilder sb = new StringBuilder();
        sb.append("TB: ").append(name).append(" (").append(r.insns().size()).append(" insns, ")
          .append(r.leaderList().size()).append(" entries, ").append(codeLen).append(" bytes of bytecode)\n");
        for (var e : r.insns().entrySet()) {
            sb.append(r.leaders().contains(e.getKey()) ? "> " : "  ").append(Disasm.line(e.getKey(), e.getValue())).append('\n');
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

    /**
     * Whether the translator writes the StackMapTable itself (-Djemu.tcg.frames=false: the JDK's
     * StackMapGenerator, a data-flow analysis per unit; see docs/tcg.md for the figures).
     */
    static final boolean FRAMES = Boolean.parseBoolean(System.getProperty("jemu.tcg.frames", "true"));
    private static final ClassFile CF_OWN_FRAMES = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS);

    /**
     * The class for region {@code r}; with {@code ownFrames}, stack map frames written by the translator
     * (see {@link Emitter#frames}; null when they cannot be written), else computed by the JDK's generator.
     */
    byte[] emitClass(Region r, String name, ClassData cd, boolean ownFrames) {
        ClassDesc self = ClassDesc.of(RvTranslator.class.getPackageName() + "." + name);
        if (ownFrames) {
            try {
                return CF_OWN_FRAMES.build(self, clb -> classBody(clb, r, cd, self, true));
            } catch (IllegalArgumentException e) {   // e.g. two recorded labels at one bytecode index
                if (stats != null) stats.frameFallbacks.increment();
                return null;
            }
        }
        return ClassFile.of().build(self, clb -> classBody(clb, r, cd, self, false));
    }

    private void classBody(java.lang.classfile.ClassBuilder clb, Region r, ClassData cd, ClassDesc self, boolean ownFrames) {
        {
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            clb.withSuperclass(CD_UNIT);
            clb.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC,
                    cb -> cb.aload(0).invokespecial(CD_UNIT, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void).return_());
            clb.withMethodBody("entryPc", MethodTypeDesc.of(CD_long), ClassFile.ACC_PUBLIC,
                    cb -> cb.loadConstant(r.entry()).lreturn());
            if (!ownFrames) {
                clb.withMethodBody("exec", MT_EXEC, ClassFile.ACC_PUBLIC, cb -> new Emitter(cb, r, cd).emit());
            } else {
                clb.withMethodBody("exec", MT_EXEC, ClassFile.ACC_PUBLIC, cb -> {
                    Emitter em = new Emitter(cb, r, cd);
                    em.emit();
                    cb.with(em.frames(self));
                });
            }
        }
    }

    /** Emits the body of exec(RiscvCpu, long) for one region. */
    private final class Emitter {
        final CodeBuilder cb;
        final Region r;
        final ClassData cd;
        final Map<Long, Label> labels = new HashMap<>();
        final Label exit;
        /** Return addresses of the region's calls that are blocks of the region: where its returns may continue. */
        final TreeSet<Long> returnPoints = new TreeSet<>();
        final BitSet xUsed = new BitSet(), xWritten = new BitSet(), fUsed = new BitSet(), fWritten = new BitSet();
        /** Base registers of the region's loads and stores. */
        final BitSet memBases = new BitSet();
        /** Exit stubs emitted after the body: label, pc, kind. */
        final List<Object[]> stubs = new ArrayList<>();
        final long base, span;
        boolean usesFp;

        Emitter(CodeBuilder cb, Region r, ClassData cd) {
            this.cb = cb;
            this.r = r;
            this.cd = cd;
            exit = cb.newLabel();
            for (long l : r.leaderList()) labels.put(l, cb.newLabel());
            base = r.insns().firstKey();
            span = r.insns().lastKey() - base;
            for (Decoder.Op op : r.insns().values()) {
                noteRegs(op);
                switch (op.insn().fmt) {
                    case LOAD, STORE, FLOAD, FSTORE -> memBases.set(op.rs1());
                    default -> { }
                }
            }
            for (var e : r.insns().entrySet()) {
                Decoder.Op op = e.getValue();
                long ra = e.getKey() + op.len();
                if ((op.insn() == Insn.JAL || op.insn() == Insn.JALR) && op.rd() != 0 && labels.containsKey(ra)) returnPoints.add(ra);
            }
            xUsed.clear(0);
            xWritten.clear(0);
        }

        /** Register classes from the row's operand template: d/s/t integer rd/rs1/rs2, D/S/T/R float rd/rs1/rs2/rs3. */
        void noteRegs(Decoder.Op op) {
            String t = op.insn().fmt.template;
            if (op.insn().isFloat()) usesFp = true;
            for (int k = 0; k < t.length(); k++) {
                switch (t.charAt(k)) {
                    case 'd' -> { xUsed.set(op.rd()); xWritten.set(op.rd()); }
                    case 's' -> xUsed.set(op.rs1());
                    case 't' -> xUsed.set(op.rs2());
                    case 'D' -> { fUsed.set(op.rd()); fWritten.set(op.rd()); }
                    case 'S' -> fUsed.set(op.rs1());
                    case 'T' -> fUsed.set(op.rs2());
                    case 'R' -> fUsed.set(op.rs3());
                    default -> { }
                }
            }
        }

        int xs(int r) { return XBASE + 2 * (r - 1); }
        int fs(int r) { return FBASE + 2 * r; }

        void ldx(int r) { if (r == 0) cb.lconst_0(); else cb.lload(xs(r)); }
        void stx(int r) { if (r == 0) cb.pop2(); else { cb.lstore(xs(r)); dirtyX |= 1L << r; } }
        void ldf(int r) { cb.lload(fs(r)); }
        void stf(int r) { cb.lstore(fs(r)); dirtyF |= 1L << r; }

        Label stub(long pc, long kind) {
            Label l = cb.newLabel();
            stubs.add(new Object[]{l, pc | kind, dirtyX, dirtyF});
            return l;
        }

        void exitTo(long pcAndKind) {
            cb.loadConstant(pcAndKind).lstore(XPC);
            cb.goto_(exit());
        }

        // ---- per-exit write-back: the registers the paths from the entry to an exit may have written

        /** Registers (bit i = x_i / f_i) possibly written between the unit's entry and the current emission point. */
        long dirtyX, dirtyF;
        /** Possibly-written registers at each block's start (by leader index), from {@link #dirtyAnalysis}. */
        long[] inX, inF;
        /** Write-back blocks by dirty set (x mask, f mask): label. */
        final Map<List<Long>, Label> exits = new java.util.LinkedHashMap<>();

        /** The exit for the current dirty set (the shared exit writing back everything, with DIRTY_EXITS off). */
        Label exit() {
            if (!DIRTY_EXITS) return exit;
            return exits.computeIfAbsent(List.of(dirtyX, dirtyF), k -> cb.newLabel());
        }

        /** Registers instruction {@code op} writes: {x mask, f mask}. */
        static long[] defs(Decoder.Op op) {
            String t = op.insn().fmt.template;
            long x = 0, f = 0;
            if (t.indexOf('d') >= 0 && op.rd() != 0) x |= 1L << op.rd();
            if (t.indexOf('D') >= 0) f |= 1L << op.rd();
            return new long[]{x, f};
        }

        /**
         * Forward may-analysis over the region's blocks: a register is dirty at a point if some path from the
         * entry writes it before that point. Successors follow {@link #emitBlock}: branch targets and
         * fall-through inside the region, direct jump targets, and an indirect jump's switch targets.
         */
        void dirtyAnalysis() {
            List<Long> leaders = r.leaderList();
            int n = leaders.size();
            Map<Long, Integer> index = new HashMap<>();
            for (int i = 0; i < n; i++) index.put(leaders.get(i), i);
            long[] genX = new long[n], genF = new long[n];
            List<List<Integer>> succ = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                List<Integer> out = new ArrayList<>();
                long pc = leaders.get(i);
                while (true) {
                    Decoder.Op op = r.insns().get(pc);
                    long[] d = defs(op);
                    genX[i] |= d[0];
                    genF[i] |= d[1];
                    long next = pc + op.len();
                    Insn in = op.insn();
                    if (in.isBranch()) {
                        addSucc(out, index, pc + op.imm());
                        addSucc(out, index, next);
                        break;
                    }
                    if (in == Insn.JAL) { addSucc(out, index, pc + op.imm()); break; }
                    if (in == Insn.JALR) {
                        for (long l : returnPoints) addSucc(out, index, l);
                        break;
                    }
                    if (index.containsKey(next)) { addSucc(out, index, next); break; }
                    if (!r.insns().containsKey(next)) break;
                    pc = next;
                }
                succ.add(out);
            }
            inX = new long[n];
            inF = new long[n];
            boolean changed = true;
            while (changed) {
                changed = false;
                for (int i = 0; i < n; i++) {
                    long ox = inX[i] | genX[i], of = inF[i] | genF[i];
                    for (int j : succ.get(i)) {
                        if ((inX[j] | ox) != inX[j] || (inF[j] | of) != inF[j]) {
                            inX[j] |= ox;
                            inF[j] |= of;
                            changed = true;
                        }
                    }
                }
            }
        }

        private static void addSucc(List<Integer> out, Map<Long, Integer> index, long pc) {
            Integer j = index.get(pc);
            if (j != null) out.add(j);
        }

        /** The write-back of the registers in the masks, then the return of XPC. */
        void writeBackExit(long xs, long fs) {
            for (int i = 1; i < 32; i++) {
                if ((xs >>> i & 1) != 0 && xWritten.get(i)) cb.aload(XA).loadConstant(i).lload(xs(i)).lastore();
            }
            for (int i = 0; i < 32; i++) {
                if ((fs >>> i & 1) != 0 && fWritten.get(i)) cb.aload(FA).loadConstant(i).lload(fs(i)).lastore();
            }
            cb.lload(XPC).lreturn();
        }

        void emit() {
            // prologue: register files into locals
            cb.aload(CPU).getfield(CD_CPU, "x", CD_LONGS).astore(XA);
            cb.aload(CPU).getfield(CD_CPU, "f", CD_LONGS).astore(FA);
            if (usesFp) cb.aload(CPU).getfield(CD_CPU, "fp", CD_FPSTATE).astore(FPS);
            loadRegs();
            memEntry();
            cb.loadConstant(LOOP_BUDGET).istore(BUDGET);
            // every temporary initialised here, so each local has one type from here on (one uniform stack
            // map frame, see frames())
            cb.lconst_0().lstore(ADDR).lconst_0().lstore(XPC).lconst_0().lstore(TMP).iconst_0().istore(RM);
            // single entry (keeps loops reducible, so C2 optimises them as loops)
            cb.goto_(labels.get(r.entry()));

            if (DIRTY_EXITS) dirtyAnalysis();
            for (int bi = 0; bi < r.leaderList().size(); bi++) {
                long pc = r.leaderList().get(bi);
                cd.bind(cb, labels.get(pc));
                if (DIRTY_EXITS) { dirtyX = inX[bi]; dirtyF = inF[bi]; }
                if (r.loopHeads().get(bi)) {
                    // exit requests, and a bounded number of iterations per call: returning now and then lets
                    // HotSpot use (and replace after a deoptimisation) the normal compiled method instead of
                    // staying in on-stack-replacement code for a whole long-running guest loop
                    Label leave = cb.newLabel(), go = cb.newLabel();
                    cb.iinc(BUDGET, -1).iload(BUDGET).ifle(leave);
                    cb.aload(CPU).invokestatic(CD_ACCESS, "exitRequest", MT_CPU_I).ifeq(go);
                    cd.bind(cb, leave);
                    exitTo(pc);
                    cd.bind(cb, go);
                }
                emitBlock(pc);
            }

            for (Object[] s : stubs) {
                cd.bind(cb, (Label) s[0]);
                dirtyX = (Long) s[2];
                dirtyF = (Long) s[3];
                exitTo((Long) s[1]);
            }

            // the exits: write back what the paths to each may have changed
            for (var e : exits.entrySet()) {
                cd.bind(cb, e.getValue());
                writeBackExit(e.getKey().get(0), e.getKey().get(1));
            }
            // the shared exit: write back everything the region may have changed
            cd.bind(cb, exit);
            writeBack();
            cb.lload(XPC).lreturn();
        }

        /**
         * The StackMapTable of the emitted code, written without data-flow analysis: every local is stored in
         * the straight-line prologue and always with one type, and every label (all bound through
         * {@link ClassData#bind}, the memory model's too) is reached with an empty operand stack — so one frame,
         * the same at every label, is right. A label bound otherwise, or a wrong frame, fails verification
         * when the class is defined and the translator rebuilds the unit with the JDK's generator.
         */
        java.lang.classfile.attribute.StackMapTableAttribute frames(ClassDesc self) {
            List<VerificationTypeInfo> vt = new ArrayList<>();
            vt.add(ObjectVerificationTypeInfo.of(self));                          // 0 this
            vt.add(ObjectVerificationTypeInfo.of(CD_CPU));                        // 1 cpu
            vt.add(SimpleVerificationTypeInfo.LONG);                              // 2 pc
            vt.add(ObjectVerificationTypeInfo.of(CD_LONGS));                      // 4 XA
            vt.add(ObjectVerificationTypeInfo.of(CD_LONGS));                      // 5 FA
            vt.add(SimpleVerificationTypeInfo.LONG);                              // 6 ADDR
            vt.add(usesFp ? ObjectVerificationTypeInfo.of(CD_FPSTATE) : SimpleVerificationTypeInfo.TOP); // 8 FPS
            vt.add(SimpleVerificationTypeInfo.LONG);                              // 9 XPC
            vt.add(SimpleVerificationTypeInfo.LONG);                              // 11 TMP
            vt.add(SimpleVerificationTypeInfo.TOP);                               // 13 REF (never stored)
            vt.add(SimpleVerificationTypeInfo.INTEGER);                           // 14 RM
            vt.add(SimpleVerificationTypeInfo.INTEGER);                           // 15 BUDGET
            for (int i = 1; i < 32; i++) longOrTop(vt, xUsed.get(i));             // XBASE…
            for (int i = 0; i < 32; i++) longOrTop(vt, fUsed.get(i));             // FBASE…
            int ul = mem.unitLocals();
            for (int b = 0; b < 32 && ul > 0; b++) {
                for (int k = 0; k < ul; k++) longOrTop(vt, memBases.get(b));    // MEMBASE…
            }
            while (vt.getLast() == SimpleVerificationTypeInfo.TOP) vt.removeLast();
            List<VerificationTypeInfo> locals = List.copyOf(vt);
            List<StackMapFrameInfo> frames = new ArrayList<>(cd.boundLabels().size());
            for (Label l : cd.boundLabels()) frames.add(StackMapFrameInfo.of(l, locals, List.of()));
            return java.lang.classfile.attribute.StackMapTableAttribute.of(frames);
        }

        private static void longOrTop(List<VerificationTypeInfo> vt, boolean isLong) {
            if (isLong) {
                vt.add(SimpleVerificationTypeInfo.LONG);
            } else {
                vt.add(SimpleVerificationTypeInfo.TOP);
                vt.add(SimpleVerificationTypeInfo.TOP);
            }
        }

        /**
         * The memory model's per-unit locals (e.g. last page checked), one set per base register of the
         * region's loads and stores: accesses through the same register tend to stay in one page (the stack
         * through sp, a stream through its pointer), and two streams do not evict each other.
         */
        int memLocals(int baseReg) { return MEMBASE + baseReg * 2 * mem.unitLocals(); }

        void memEntry() {
            if (mem.unitLocals() == 0) return;
            for (int b = memBases.nextSetBit(0); b >= 0; b = memBases.nextSetBit(b + 1)) mem.emitEntry(cb, cd, memLocals(b));
        }

        /** The guest registers the region uses into their locals. */
        void loadRegs() {
            for (int i = xUsed.nextSetBit(1); i >= 0; i = xUsed.nextSetBit(i + 1)) {
                cb.aload(XA).loadConstant(i).laload().lstore(xs(i));
            }
            for (int i = fUsed.nextSetBit(0); i >= 0; i = fUsed.nextSetBit(i + 1)) {
                cb.aload(FA).loadConstant(i).laload().lstore(fs(i));
            }
        }

        void writeBack() {
            for (int i = xWritten.nextSetBit(1); i >= 0; i = xWritten.nextSetBit(i + 1)) {
                cb.aload(XA).loadConstant(i).lload(xs(i)).lastore();
            }
            for (int i = fWritten.nextSetBit(0); i >= 0; i = fWritten.nextSetBit(i + 1)) {
                cb.aload(FA).loadConstant(i).lload(fs(i)).lastore();
            }
        }

        /**
         * An indirect call (jalr with a link register) whose return address {@code ret} is a block of the region: the registers go back to the
         * hart, {@link RvTcg#nest} runs the callee's translated code on the Java stack and answers the pc
         * where it stopped; the unit reloads the registers and continues at {@code ret} when the callee
         * returned there, and leaves with that pc otherwise. So a loop that calls through pointers (glibc's
         * IFUNC'd string functions, qsort's comparator) stays one compiled loop. The target is in XPC.
         */
        void nestedCall(long ret) {
            writeBack();
            cb.aload(CPU).lload(XPC).loadConstant(ret).invokestatic(CD_TCG, "nest", MT_NEST).lstore(XPC);
            loadRegs();
            memEntry();
            cb.lload(XPC).loadConstant(ret).lcmp().ifne(exit);
            cb.goto_(labels.get(ret));
        }

        boolean inRegion(long pc) { return labels.containsKey(pc); }

        void jumpTo(long target) {
            if (inRegion(target)) cb.goto_(labels.get(target));
            else exitTo(target);
        }

        void emitBlock(long pc) {
            while (true) {
                Decoder.Op op = r.insns().get(pc);
                long next = pc + op.len();
                Insn in = op.insn();
                if (in.isBranch()) {
                    Label t = inRegion(pc + op.imm()) ? labels.get(pc + op.imm()) : stub(pc + op.imm(), 0);
                    ldx(op.rs1()); ldx(op.rs2());
                    cb.invokestatic(CD_ALU, in.fn, MT_JJ_Z).ifne(t);
                    jumpTo(next);
                    return;
                }
                if (in == Insn.JAL) {
                    if (op.rd() != 0) { cb.loadConstant(next); stx(op.rd()); }
                    // (direct calls out of the region are not nested: on qsort's recursion that doubled the
                    // JIT's work — C2 inlines the recursive unit through nest — and ran slower)
                    jumpTo(pc + op.imm());
                    return;
                }
                if (in == Insn.JALR) {
                    ldx(op.rs1());
                    if (op.imm() != 0) cb.loadConstant((long) op.imm()).ladd();
                    cb.loadConstant(-2L).land().lstore(XPC);
                    if (op.rd() != 0) { cb.loadConstant(next); stx(op.rd()); }
                    if (NEST && op.rd() != 0 && inRegion(next)) {
                        nestedCall(next);
                        return;
                    }
                    cb.aload(CPU).invokestatic(CD_ACCESS, "exitRequest", MT_CPU_I).ifne(exit());
                    cb.iinc(BUDGET, -1).iload(BUDGET).ifle(exit());
                    // a return to one of the region's call sites continues inside; anything else leaves
                    if (!returnPoints.isEmpty()) {
                        cb.lload(XPC).loadConstant(base).lsub().lstore(TMP);
                        cb.lload(TMP).loadConstant(span).invokestatic(CD_LONG, "compareUnsigned", MT_JJ_I).ifgt(exit());
                        List<SwitchCase> cases = new ArrayList<>();
                        for (long l : returnPoints) cases.add(SwitchCase.of((int) (l - base), labels.get(l)));
                        cb.lload(TMP).l2i().lookupswitch(exit(), cases);
                    } else {
                        cb.goto_(exit());
                    }
                    return;
                }
                emitInsn(op, pc);
                if (inRegion(next)) { cb.goto_(labels.get(next)); return; }
                if (!r.insns().containsKey(next)) {
                    Boolean interp = r.stops().get(next);
                    exitTo(next | (interp != null && interp ? RvUnit.INTERP : 0));
                    return;
                }
                pc = next;
            }
        }

        /** Guest address rs1+imm into ADDR, then the host address on the stack (or off to the interpreter). */
        void address(Decoder.Op op, long pc, int size, Access acc) {
            ldx(op.rs1());
            if (op.imm() != 0) cb.loadConstant((long) op.imm()).ladd();
            cb.lstore(ADDR);
            mem.emitHostAddress(cb, cd, ADDR, REF, memLocals(op.rs1()), size, acc, stub(pc, RvUnit.INTERP));
        }

        void load(Decoder.Op op, long pc, int size, String fn, boolean fp) {
            address(op, pc, size, Access.READ);
            cb.invokestatic(CD_MEM, fn, MT_J_J);
            if (fp) {
                if (size == 4) cb.loadConstant(0xffffffff00000000L).lor();
                stf(op.rd());
            } else {
                stx(op.rd());
            }
        }

        void store(Decoder.Op op, long pc, int size, String fn, boolean fp) {
            address(op, pc, size, Access.WRITE);
            if (fp) ldf(op.rs2()); else ldx(op.rs2());
            cb.invokestatic(CD_MEM, fn, MT_JJ_V);
        }

        void emitInsn(Decoder.Op op, long pc) {
            Insn in = op.insn();
            switch (in.fmt) {
                case U -> {
                    if (op.rd() == 0) return;
                    cb.loadConstant(in == Insn.AUIPC ? pc + op.imm() : (long) op.imm());
                    stx(op.rd());
                }
                case LOAD -> {
                    switch (in) {
                        case LB -> load(op, pc, 1, "lb", false);
                        case LH -> load(op, pc, 2, "lh", false);
                        case LW -> load(op, pc, 4, "lw", false);
                        case LD -> load(op, pc, 8, "ld", false);
                        case LBU -> load(op, pc, 1, "lbu", false);
                        case LHU -> load(op, pc, 2, "lhu", false);
                        default -> load(op, pc, 4, "lwu", false);
                    }
                }
                case STORE -> {
                    switch (in) {
                        case SB -> store(op, pc, 1, "sb", false);
                        case SH -> store(op, pc, 2, "sh", false);
                        case SW -> store(op, pc, 4, "sw", false);
                        default -> store(op, pc, 8, "sd", false);
                    }
                }
                case FLOAD -> load(op, pc, in == Insn.FLW ? 4 : 8, in == Insn.FLW ? "lwu" : "ld", true);
                case FSTORE -> store(op, pc, in == Insn.FSW ? 4 : 8, in == Insn.FSW ? "sw" : "sd", true);
                case R -> {
                    if (op.rd() == 0) return;
                    alu(in.fn, MT_JJ_J, () -> ldx(op.rs1()), () -> ldx(op.rs2()));
                    stx(op.rd());
                }
                case I, SHAMT, SHW -> {
                    if (op.rd() == 0) return;
                    alu(in.fn, MT_JJ_J, () -> ldx(op.rs1()), () -> cb.loadConstant((long) op.imm()));
                    stx(op.rd());
                }
                case R1 -> {
                    if (op.rd() == 0) return;
                    alu(in.fn, MT_J_J, () -> ldx(op.rs1()));
                    stx(op.rd());
                }
                case FENCE_F, NONE -> cb.invokestatic(CD_VARHANDLE, "fullFence", ConstantDescs.MTD_void); // FENCE, FENCE.TSO
                default -> emitFp(op, pc);
            }
        }

        /** Alu.fn of the operands: its straight-line code copied in ({@link AluBodies}), or a call. */
        void alu(String fn, MethodTypeDesc mt, Runnable... args) {
            if (COPY_ALU) {
                AluBodies.emit(cb, fn, mt, args);
            } else {
                for (Runnable a : args) a.run();
                cb.invokestatic(CD_ALU, fn, mt);
            }
        }

        /** F/D arithmetic: FpOps.NAME(operands…, rm, FpState). */
        void emitFp(Decoder.Op op, long pc) {
            Insn in = op.insn();
            // rounding mode: static, or frm checked at run time (a reserved frm makes the insn illegal)
            boolean dyn = hasRm(in) && op.imm() == 7;
            if (dyn) {
                cb.aload(FPS).getfield(CD_FPSTATE, "frm", CD_int).istore(RM);
                cb.iload(RM).iconst_4().if_icmpgt(stub(pc, RvUnit.INTERP));
            }
            String t = in.fmt.template;
            int nsrc = 0;
            for (int k = 0; k < t.length(); k++) {
                switch (t.charAt(k)) {
                    case 's' -> { ldx(op.rs1()); nsrc++; }
                    case 'S' -> { ldf(op.rs1()); nsrc++; }
                    case 'T' -> { ldf(op.rs2()); nsrc++; }
                    case 'R' -> { ldf(op.rs3()); nsrc++; }
                    default -> { }
                }
            }
            if (dyn) cb.iload(RM); else cb.loadConstant(hasRm(in) ? op.imm() : 0);
            cb.aload(FPS);
            MethodTypeDesc mt = switch (nsrc) { case 1 -> MT_FP1; case 2 -> MT_FP2; default -> MT_FP3; };
            cb.invokestatic(CD_FPOPS, in.name(), mt);
            if (t.startsWith("D")) stf(op.rd()); else stx(op.rd());
        }
    }
}
