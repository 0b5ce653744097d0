package org.jemu.target.riscv.fpu;

import java.util.SplittableRandom;

import static org.jemu.target.riscv.fpu.FpState.RNE;
import static org.jemu.target.riscv.fpu.FpState.RUP;

/**
 * Microbenchmark (not a test): ns/op of the exact Fpu operations on ordinary operands (random normal numbers,
 * mostly inexact results) — the fast path in RNE and in a directed mode (RUP), the exact software path, and
 * the bare host operation for scale. Each variant has its own loop so that every call site stays monomorphic.
 * <pre>java -cp target/jemu.jar org.jemu.target.riscv.fpu.FpuBench [rounds]</pre>
 */
public final class FpuBench {
    private FpuBench() {}

    private static final int LEN = 1 << 12;
    private static final long[] A = new long[LEN], B = new long[LEN], C = new long[LEN];
    private static final int[] AS = new int[LEN], BS = new int[LEN], CS = new int[LEN];
    private static long sink;
    /** Thread CPU time, not wall time: on a shared machine the thread may be descheduled mid-loop. */
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    interface Loop { long run(int iters, FpState st); }

    private static double dd(long x) { return Double.longBitsToDouble(x); }
    private static long bb(double x) { return Double.doubleToRawLongBits(x); }
    private static float ff(int x) { return Float.intBitsToFloat(x); }
    private static int fb(float x) { return Float.floatToRawIntBits(x); }

    private static long addDHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += bb(dd(A[i]) + dd(B[i]));
        return acc;
    }
    private static long addDRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.addD(A[i], B[i], RNE, st);
        return acc;
    }
    private static long addDRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.addD(A[i], B[i], RUP, st);
        return acc;
    }
    private static long addDSoft(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.softAddD(A[i], B[i], RNE, st);
        return acc;
    }
    private static long mulDHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += bb(dd(A[i]) * dd(B[i]));
        return acc;
    }
    private static long mulDRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulD(A[i], B[i], RNE, st);
        return acc;
    }
    private static long mulDRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulD(A[i], B[i], RUP, st);
        return acc;
    }
    private static long mulDSoft(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.softMulD(A[i], B[i], RNE, st);
        return acc;
    }
    private static long mulAddDHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += bb(Math.fma(dd(A[i]), dd(B[i]), dd(C[i])));
        return acc;
    }
    private static long mulAddDRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulAddD(A[i], B[i], C[i], RNE, st);
        return acc;
    }
    private static long mulAddDRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulAddD(A[i], B[i], C[i], RUP, st);
        return acc;
    }
    private static long mulAddDSoft(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.softMulAddD(A[i], B[i], C[i], RNE, st);
        return acc;
    }
    private static long divDHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += bb(dd(A[i]) / dd(B[i]));
        return acc;
    }
    private static long divDRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.divD(A[i], B[i], RNE, st);
        return acc;
    }
    private static long divDRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.divD(A[i], B[i], RUP, st);
        return acc;
    }
    private static long divDSoft(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.softDivD(A[i], B[i], RNE, st);
        return acc;
    }
    private static long sqrtDHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += bb(Math.sqrt(dd(B[i])));
        return acc;
    }
    private static long sqrtDRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.sqrtD(B[i], RNE, st);
        return acc;
    }
    private static long sqrtDRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.sqrtD(B[i], RUP, st);
        return acc;
    }
    private static long sqrtDSoft(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.softSqrtD(B[i], RNE, st);
        return acc;
    }
    private static long addSHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += fb(ff(AS[i]) + ff(BS[i]));
        return acc;
    }
    private static long addSRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.addS(AS[i], BS[i], RNE, st);
        return acc;
    }
    private static long addSRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.addS(AS[i], BS[i], RUP, st);
        return acc;
    }
    private static long mulSHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += fb(ff(AS[i]) * ff(BS[i]));
        return acc;
    }
    private static long mulSRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulS(AS[i], BS[i], RNE, st);
        return acc;
    }
    private static long mulSRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulS(AS[i], BS[i], RUP, st);
        return acc;
    }
    private static long mulAddSHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += fb(Math.fma(ff(AS[i]), ff(BS[i]), ff(CS[i])));
        return acc;
    }
    private static long mulAddSRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulAddS(AS[i], BS[i], CS[i], RNE, st);
        return acc;
    }
    private static long mulAddSRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.mulAddS(AS[i], BS[i], CS[i], RUP, st);
        return acc;
    }
    private static long divSHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += fb(ff(AS[i]) / ff(BS[i]));
        return acc;
    }
    private static long divSRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.divS(AS[i], BS[i], RNE, st);
        return acc;
    }
    private static long divSRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.divS(AS[i], BS[i], RUP, st);
        return acc;
    }
    private static long sqrtSHost(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += fb((float) Math.sqrt(ff(BS[i])));
        return acc;
    }
    private static long sqrtSRne(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.sqrtS(BS[i], RNE, st);
        return acc;
    }
    private static long sqrtSRup(int iters, FpState st) {
        long acc = 0;
        for (int it = 0; it < iters; it++) for (int i = 0; i < LEN; i++) acc += Fpu.sqrtS(BS[i], RUP, st);
        return acc;
    }

    private static double time(Loop l, int iters) {
        FpState st = new FpState();
        long t0 = CPU.getCurrentThreadCpuTime();
        sink += l.run(iters, st);
        long t1 = CPU.getCurrentThreadCpuTime();
        sink += st.flags;
        return (t1 - t0) / ((double) iters * LEN);
    }

    private static double best(Loop l, int iters, int rounds) {
        for (int w = 0; w < 3; w++) time(l, iters);
        double b = Double.MAX_VALUE;
        for (int r = 0; r < rounds; r++) b = Math.min(b, time(l, iters));
        return b;
    }

    private static void row(String name, Loop host, Loop rne, Loop rup, Loop soft, int rounds) {
        System.out.printf("%-8s %10.2f %10.2f %10.2f %10s%n", name, best(host, 400, rounds), best(rne, 400, rounds),
                best(rup, 400, rounds), soft == null ? "-" : String.format("%.1f", best(soft, 20, rounds)));
    }

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < LEN; i++) {
            A[i] = bb(r.nextDouble(-1e3, 1e3));
            B[i] = bb(r.nextDouble(0.5, 2e3));
            C[i] = bb(r.nextDouble(-1e6, 1e6));
            AS[i] = fb((float) r.nextDouble(-1e3, 1e3));
            BS[i] = fb((float) r.nextDouble(0.5, 2e3));
            CS[i] = fb((float) r.nextDouble(-1e6, 1e6));
        }
        System.out.println("ns/op (thread CPU time) on random normal operands, best of " + rounds + " rounds");
        System.out.printf("%-8s %10s %10s %10s %10s%n", "op", "host", "fast RNE", "fast RUP", "software");
        row("addD", FpuBench::addDHost, FpuBench::addDRne, FpuBench::addDRup, FpuBench::addDSoft, rounds);
        row("mulD", FpuBench::mulDHost, FpuBench::mulDRne, FpuBench::mulDRup, FpuBench::mulDSoft, rounds);
        row("mulAddD", FpuBench::mulAddDHost, FpuBench::mulAddDRne, FpuBench::mulAddDRup, FpuBench::mulAddDSoft, rounds);
        row("divD", FpuBench::divDHost, FpuBench::divDRne, FpuBench::divDRup, FpuBench::divDSoft, rounds);
        row("sqrtD", FpuBench::sqrtDHost, FpuBench::sqrtDRne, FpuBench::sqrtDRup, FpuBench::sqrtDSoft, rounds);
        row("addS", FpuBench::addSHost, FpuBench::addSRne, FpuBench::addSRup, null, rounds);
        row("mulS", FpuBench::mulSHost, FpuBench::mulSRne, FpuBench::mulSRup, null, rounds);
        row("mulAddS", FpuBench::mulAddSHost, FpuBench::mulAddSRne, FpuBench::mulAddSRup, null, rounds);
        row("divS", FpuBench::divSHost, FpuBench::divSRne, FpuBench::divSRup, null, rounds);
        row("sqrtS", FpuBench::sqrtSHost, FpuBench::sqrtSRne, FpuBench::sqrtSRup, null, rounds);
        if (sink == 42) System.out.println();
    }
}
