package org.jemu.target.riscv.fpu;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.jemu.target.riscv.fpu.FpState.DZ;
import static org.jemu.target.riscv.fpu.FpState.NV;
import static org.jemu.target.riscv.fpu.FpState.NX;
import static org.jemu.target.riscv.fpu.FpState.OF;
import static org.jemu.target.riscv.fpu.FpState.RDN;
import static org.jemu.target.riscv.fpu.FpState.RMM;
import static org.jemu.target.riscv.fpu.FpState.RNE;
import static org.jemu.target.riscv.fpu.FpState.RTZ;
import static org.jemu.target.riscv.fpu.FpState.RUP;
import static org.jemu.target.riscv.fpu.FpState.UF;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Corner cases whose answers follow from IEEE 754-2019 and the RISC-V ISA manual (F/D chapters); each
 * expected value is worked out in the comment beside it, not recorded from a run.
 */
class FpuCornerTest {
    static final long QNAN = 0x7ff8000000000000L, SNAN = 0x7ff4000000000000L, NQNAN = 0xfff8000000000123L;
    static final int QNAN_S = 0x7fc00000, SNAN_S = 0x7fa00000;
    static final double MAX = Double.MAX_VALUE, MIN = Double.MIN_VALUE, MINN = Double.MIN_NORMAL;

    static long b(double x) { return Double.doubleToRawLongBits(x); }
    static int b(float x) { return Float.floatToRawIntBits(x); }

    private final List<String> bad = new ArrayList<>();

    private void eq(String what, long got, int gotFlags, long exp, int expFlags) {
        if (got != exp || gotFlags != expFlags) {
            bad.add(String.format("%s: got %016x %s, expected %016x %s", what, got, FpuRef.flagNames(gotFlags), exp, FpuRef.flagNames(expFlags)));
        }
    }

    private void add(double x, double y, int rm, long exp, int fl) {
        FpState st = new FpState();
        eq("add(" + x + ", " + y + ") rm=" + rm, Fpu.addD(b(x), b(y), rm, st), st.flags, exp, fl);
    }

    private void mul(double x, double y, int rm, long exp, int fl) {
        FpState st = new FpState();
        eq("mul(" + x + ", " + y + ") rm=" + rm, Fpu.mulD(b(x), b(y), rm, st), st.flags, exp, fl);
    }

    @Test void doubleArithmetic() {
        // invalid operations and division by zero
        FpState st = new FpState();
        eq("1/0", Fpu.divD(b(1.0), b(0.0), RNE, st), st.flags, b(Double.POSITIVE_INFINITY), DZ);
        st = new FpState();
        eq("-1/+0", Fpu.divD(b(-1.0), b(0.0), RNE, st), st.flags, b(Double.NEGATIVE_INFINITY), DZ);
        st = new FpState();
        eq("0/0", Fpu.divD(b(0.0), b(-0.0), RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("inf/inf", Fpu.divD(b(Double.POSITIVE_INFINITY), b(Double.NEGATIVE_INFINITY), RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("inf/0 (no DZ: exact infinity)", Fpu.divD(b(Double.POSITIVE_INFINITY), b(0.0), RNE, st), st.flags, b(Double.POSITIVE_INFINITY), 0);
        add(Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, RNE, QNAN, NV);
        mul(0.0, Double.NEGATIVE_INFINITY, RNE, QNAN, NV);
        st = new FpState();
        eq("sqrt(-1)", Fpu.sqrtD(b(-1.0), RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("sqrt(-0) = -0", Fpu.sqrtD(b(-0.0), RNE, st), st.flags, b(-0.0), 0);
        st = new FpState();
        eq("sqrt(-inf)", Fpu.sqrtD(b(Double.NEGATIVE_INFINITY), RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("sqrt(2) RUP > RNE", Fpu.sqrtD(b(2.0), RUP, st), st.flags, b(Math.sqrt(2.0)) + (Math.fma(-Math.sqrt(2), Math.sqrt(2), 2) > 0 ? 1 : 0), NX);
        // NaN propagation: always the canonical NaN; NV only for signaling inputs
        add(Double.longBitsToDouble(NQNAN), 1.0, RNE, QNAN, 0);
        st = new FpState();
        eq("sNaN + 1", Fpu.addD(SNAN, b(1.0), RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("sNaN * inf", Fpu.mulD(SNAN, b(Double.POSITIVE_INFINITY), RNE, st), st.flags, QNAN, NV);

        // signed zeros: x - x is +0 except in RDN; (-0) + (-0) = -0 in every mode
        for (int rm = 0; rm <= 4; rm++) {
            add(1.5, -1.5, rm, rm == RDN ? b(-0.0) : b(0.0), 0);
            add(-0.0, -0.0, rm, b(-0.0), 0);
            add(0.0, -0.0, rm, rm == RDN ? b(-0.0) : b(0.0), 0);
            mul(-0.0, 5.0, rm, b(-0.0), 0);
        }

        // 1 + 2^-53 is the midpoint between 1 and 1 + 2^-52
        add(1.0, 0x1p-53, RNE, b(1.0), NX);                     // tie to even
        add(1.0, 0x1p-53, RMM, b(1.0 + 0x1p-52), NX);           // tie away from zero
        add(1.0, 0x1p-53, RUP, b(1.0 + 0x1p-52), NX);
        add(1.0, 0x1p-53, RTZ, b(1.0), NX);
        add(-1.0, -0x1p-53, RDN, b(-1.0 - 0x1p-52), NX);
        add(-1.0, -0x1p-53, RMM, b(-1.0 - 0x1p-52), NX);
        add(1.0 + 0x1p-52, 0x1p-53, RNE, b(1.0 + 0x1p-51), NX);  // tie, odd neighbour below: up to even
        add(1.0, -0x1p-54, RTZ, b(1.0 - 0x1p-53), NX);          // just below 1: the binade below has half the gap
        add(1.0, -0x1p-54, RNE, b(1.0), NX);                    // midpoint between 1 - 2^-53 and 1: even is 1

        // overflow: MAX + MAX overflows in every mode; the directed modes towards zero give MAX
        add(MAX, MAX, RNE, b(Double.POSITIVE_INFINITY), OF | NX);
        add(MAX, MAX, RMM, b(Double.POSITIVE_INFINITY), OF | NX);
        add(MAX, MAX, RTZ, b(MAX), OF | NX);
        add(MAX, MAX, RDN, b(MAX), OF | NX);
        add(MAX, MAX, RUP, b(Double.POSITIVE_INFINITY), OF | NX);
        add(-MAX, -MAX, RUP, b(-MAX), OF | NX);
        add(-MAX, -MAX, RDN, b(Double.NEGATIVE_INFINITY), OF | NX);
        // MAX + half an ulp (2^970): nearest modes round up to 2^1024 = overflow; RTZ/RDN with an unbounded
        // exponent give MAX, which is not an overflow
        add(MAX, 0x1p970, RNE, b(Double.POSITIVE_INFINITY), OF | NX);
        add(MAX, 0x1p970, RMM, b(Double.POSITIVE_INFINITY), OF | NX);
        add(MAX, 0x1p970, RTZ, b(MAX), NX);
        add(MAX, 0x1p970, RDN, b(MAX), NX);
        add(MAX, 0x1p969, RNE, b(MAX), NX);
        add(MAX, 0x1p969, RUP, b(Double.POSITIVE_INFINITY), OF | NX);

        // underflow: tininess after rounding, UF only when inexact
        mul(MINN, 0.5, RNE, b(MINN / 2), 0);                    // exact subnormal: no flags
        mul(MIN, 0.5, RNE, b(0.0), UF | NX);                    // 2^-1075: tie between 0 and MIN, even is 0
        mul(MIN, 0.5, RMM, b(MIN), UF | NX);
        mul(MIN, 0.5, RUP, b(MIN), UF | NX);
        mul(-MIN, 0.5, RUP, b(-0.0), UF | NX);
        mul(MIN, 0.5, RDN, b(0.0), UF | NX);
        // 2^-1022 * (1 - 2^-53) = 2^-1022 - 2^-1075: with 53 bits and an unbounded exponent this is exact
        // (2^-1023 * (2 - 2^-52)), hence tiny; the subnormal result rounds (tie to even) up to 2^-1022
        mul(MINN, 1.0 - 0x1p-53, RNE, b(MINN), UF | NX);
        mul(MINN, 1.0 - 0x1p-53, RTZ, b(Math.nextDown(MINN)), UF | NX);
        // 2^-1022 * (1 + 2^-52): exact, normal
        mul(MINN, 1.0 + 0x1p-52, RNE, b(Math.nextUp(MINN)), 0);

        // fused multiply-add: a single rounding
        st = new FpState();
        double a = 1 + 0x1p-27, c = 1 - 0x1p-27;                // a*c = 1 - 2^-54 exactly
        eq("fma(1+2^-27, 1-2^-27, -1)", Fpu.mulAddD(b(a), b(c), b(-1.0), RNE, st), st.flags, b(-0x1p-54), 0);
        for (int rm = 0; rm <= 4; rm++) {
            st = new FpState();
            eq("fma(1, -1, 1) rm=" + rm, Fpu.mulAddD(b(1.0), b(-1.0), b(1.0), rm, st), st.flags, rm == RDN ? b(-0.0) : b(0.0), 0);
            st = new FpState();
            eq("fma(-0, 1, -0) rm=" + rm, Fpu.mulAddD(b(-0.0), b(1.0), b(-0.0), rm, st), st.flags, b(-0.0), 0);
        }
        st = new FpState();                                     // inf * 0 is invalid even with a quiet NaN addend
        eq("fma(inf, 0, qNaN)", Fpu.mulAddD(b(Double.POSITIVE_INFINITY), b(0.0), QNAN, RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("fma(qNaN, 1, 1)", Fpu.mulAddD(NQNAN, b(1.0), b(1.0), RNE, st), st.flags, QNAN, 0);
        st = new FpState();
        eq("fma(inf, 1, -inf)", Fpu.mulAddD(b(Double.POSITIVE_INFINITY), b(1.0), b(Double.NEGATIVE_INFINITY), RNE, st), st.flags, QNAN, NV);
        st = new FpState();
        eq("fma(MAX, 2, -MAX) = MAX, no overflow", Fpu.mulAddD(b(MAX), b(2.0), b(-MAX), RNE, st), st.flags, b(MAX), 0);
        if (!bad.isEmpty()) fail(String.join("\n", bad));
    }

    @Test void singleArithmetic() {
        FpState st = new FpState();
        eq("1/0 s", Fpu.divS(b(1f), b(0f), RNE, st), st.flags, b(Float.POSITIVE_INFINITY), DZ);
        st = new FpState();
        eq("sNaN + 1 s", Fpu.addS(SNAN_S, b(1f), RNE, st), st.flags, QNAN_S, NV);
        st = new FpState();
        eq("1 + 2^-24 s RNE", Fpu.addS(b(1f), b(0x1p-24f), RNE, st), st.flags, b(1f), NX);
        st = new FpState();
        eq("1 + 2^-24 s RMM", Fpu.addS(b(1f), b(0x1p-24f), RMM, st), st.flags, b(1f + 0x1p-23f), NX);
        st = new FpState();
        eq("MAXF * 2 s RTZ", Fpu.mulS(b(Float.MAX_VALUE), b(2f), RTZ, st), st.flags, b(Float.MAX_VALUE), OF | NX);
        st = new FpState();
        eq("MINF * 0.5 s RNE", Fpu.mulS(b(Float.MIN_VALUE), b(0.5f), RNE, st), st.flags, 0, UF | NX);
        st = new FpState();                                     // 2^-126 (1 - 2^-24): tiny after rounding, rounds to 2^-126
        eq("MINNF * (1-2^-24) s", Fpu.mulS(b(Float.MIN_NORMAL), b(1f - 0x1p-24f), RNE, st), st.flags, b(Float.MIN_NORMAL), UF | NX);
        st = new FpState();                                     // fma(1+2^-12, 1-2^-12, -1) = -2^-24 exactly
        eq("fmaS single rounding", Fpu.mulAddS(b(1f + 0x1p-12f), b(1f - 0x1p-12f), b(-1f), RNE, st), st.flags, b(-0x1p-24f), 0);
        st = new FpState();                                     // (1 + 2^-23)(1 + 2^-23) = 1 + 2^-22 + 2^-46; + 2^-24:
        // 1 + 2^-22 + 2^-24 + 2^-46 lies above the midpoint 1 + 2^-22 + 2^-24: rounds up (no double-rounding tie)
        eq("fmaS above midpoint", Fpu.mulAddS(b(1f + 0x1p-23f), b(1f + 0x1p-23f), b(0x1p-24f), RNE, st), st.flags,
                b(1f + 0x1p-22f + 0x1p-23f), NX);
        st = new FpState();
        eq("sqrtS(-0)", Fpu.sqrtS(b(-0f), RNE, st), st.flags, b(-0f), 0);
        st = new FpState();
        eq("sqrtS(4)", Fpu.sqrtS(b(4f), RDN, st), st.flags, b(2f), 0);
        if (!bad.isEmpty()) fail(String.join("\n", bad));
    }

    private void cvt(String what, long got, FpState st, long exp, int fl) { eq(what, got, st.flags, exp, fl); }

    @Test void conversions() {
        FpState st;
        double nan = Double.longBitsToDouble(QNAN);
        st = new FpState(); cvt("w(NaN)", Fpu.cvtWD(QNAN, RNE, st), st, 0x7fffffffL, NV);
        st = new FpState(); cvt("w(-inf)", Fpu.cvtWD(b(Double.NEGATIVE_INFINITY), RNE, st), st, 0xffffffff80000000L, NV);
        st = new FpState(); cvt("w(+inf)", Fpu.cvtWD(b(Double.POSITIVE_INFINITY), RNE, st), st, 0x7fffffffL, NV);
        st = new FpState(); cvt("w(2147483647.5) RNE -> 2^31: invalid", Fpu.cvtWD(b(2147483647.5), RNE, st), st, 0x7fffffffL, NV);
        st = new FpState(); cvt("w(2147483647.5) RTZ", Fpu.cvtWD(b(2147483647.5), RTZ, st), st, 0x7fffffffL, NX);
        st = new FpState(); cvt("w(-2147483648.5) RNE -> even", Fpu.cvtWD(b(-2147483648.5), RNE, st), st, 0xffffffff80000000L, NX);
        st = new FpState(); cvt("w(-2147483648.5) RMM -> invalid", Fpu.cvtWD(b(-2147483648.5), RMM, st), st, 0xffffffff80000000L, NV);
        st = new FpState(); cvt("w(-2.5) RMM", Fpu.cvtWD(b(-2.5), RMM, st), st, -3L, NX);
        st = new FpState(); cvt("w(-2.5) RNE", Fpu.cvtWD(b(-2.5), RNE, st), st, -2L, NX);
        st = new FpState(); cvt("w(-2.5) RUP", Fpu.cvtWD(b(-2.5), RUP, st), st, -2L, NX);
        st = new FpState(); cvt("w(-2.5) RDN", Fpu.cvtWD(b(-2.5), RDN, st), st, -3L, NX);
        st = new FpState(); cvt("w(0.49999999999999994) RMM", Fpu.cvtWD(b(0.49999999999999994), RMM, st), st, 0L, NX);
        st = new FpState(); cvt("wu(NaN)", Fpu.cvtWUD(QNAN, RNE, st), st, -1L, NV);
        st = new FpState(); cvt("wu(-inf)", Fpu.cvtWUD(b(Double.NEGATIVE_INFINITY), RNE, st), st, 0L, NV);
        st = new FpState(); cvt("wu(-0.5) RNE -> -0: valid", Fpu.cvtWUD(b(-0.5), RNE, st), st, 0L, NX);
        st = new FpState(); cvt("wu(-0.5) RDN -> -1: invalid", Fpu.cvtWUD(b(-0.5), RDN, st), st, 0L, NV);
        st = new FpState(); cvt("wu(4294967295) sign-extended", Fpu.cvtWUD(b(4294967295.0), RNE, st), st, -1L, 0);
        st = new FpState(); cvt("wu(2^31) sign-extended", Fpu.cvtWUD(b(0x1p31), RNE, st), st, 0xffffffff80000000L, 0);
        st = new FpState(); cvt("wu(2^32)", Fpu.cvtWUD(b(0x1p32), RNE, st), st, -1L, NV);
        st = new FpState(); cvt("l(2^63)", Fpu.cvtLD(b(0x1p63), RNE, st), st, Long.MAX_VALUE, NV);
        st = new FpState(); cvt("l(-2^63)", Fpu.cvtLD(b(-0x1p63), RNE, st), st, Long.MIN_VALUE, 0);
        st = new FpState(); cvt("l(NaN)", Fpu.cvtLD(b(nan), RNE, st), st, Long.MAX_VALUE, NV);
        st = new FpState(); cvt("lu(2^63)", Fpu.cvtLUD(b(0x1p63), RNE, st), st, Long.MIN_VALUE, 0);
        st = new FpState(); cvt("lu(2^64)", Fpu.cvtLUD(b(0x1p64), RNE, st), st, -1L, NV);
        st = new FpState(); cvt("lu(-inf)", Fpu.cvtLUD(b(Double.NEGATIVE_INFINITY), RNE, st), st, 0L, NV);
        st = new FpState(); cvt("lu(NaN)", Fpu.cvtLUD(QNAN, RNE, st), st, -1L, NV);
        st = new FpState(); cvt("w.s(sNaN)", Fpu.cvtWS(SNAN_S, RNE, st), st, 0x7fffffffL, NV);
        st = new FpState(); cvt("lu.s(-1)", Fpu.cvtLUS(b(-1f), RTZ, st), st, 0L, NV);
        // integer -> float
        st = new FpState(); cvt("d.l(2^53+1) RNE", Fpu.cvtDL((1L << 53) + 1, RNE, st), st, b(0x1p53), NX);
        st = new FpState(); cvt("d.l(2^53+1) RUP", Fpu.cvtDL((1L << 53) + 1, RUP, st), st, b(0x1p53 + 2), NX);
        st = new FpState(); cvt("d.l(MIN)", Fpu.cvtDL(Long.MIN_VALUE, RNE, st), st, b(-0x1p63), 0);
        st = new FpState(); cvt("d.lu(-1) RNE", Fpu.cvtDLU(-1L, RNE, st), st, b(0x1p64), NX);
        st = new FpState(); cvt("d.lu(-1) RTZ", Fpu.cvtDLU(-1L, RTZ, st), st, b(0x1p64 - 2048), NX);
        st = new FpState(); cvt("d.w uses low 32 bits", Fpu.cvtDW(0x12345678ffffffffL, RNE, st), st, b(-1.0), 0);
        st = new FpState(); cvt("d.wu uses low 32 bits", Fpu.cvtDWU(0x12345678ffffffffL, RNE, st), st, b(4294967295.0), 0);
        st = new FpState(); cvt("s.w(2^24+1) RNE", Fpu.cvtSW((1 << 24) + 1, RNE, st) & 0xffffffffL, st, b((float) 0x1p24), NX);
        st = new FpState(); cvt("s.w(2^24+1) RUP", Fpu.cvtSW((1 << 24) + 1, RUP, st) & 0xffffffffL, st, b((float) 0x1p24 + 2f), NX);
        st = new FpState(); cvt("s.wu(0xffffffff) RTZ", Fpu.cvtSWU(0xffffffffL, RTZ, st) & 0xffffffffL, st, b(4294967040f), NX);
        // double <-> single
        st = new FpState(); cvt("s.d(2^128) RNE", Fpu.cvtSD(b(0x1p128), RNE, st) & 0xffffffffL, st, b(Float.POSITIVE_INFINITY), OF | NX);
        st = new FpState(); cvt("s.d(2^128) RTZ", Fpu.cvtSD(b(0x1p128), RTZ, st) & 0xffffffffL, st, b(Float.MAX_VALUE), OF | NX);
        st = new FpState(); cvt("s.d(MIN) RUP", Fpu.cvtSD(b(MIN), RUP, st) & 0xffffffffL, st, b(Float.MIN_VALUE), UF | NX);
        st = new FpState(); cvt("s.d(-MIN) RNE", Fpu.cvtSD(b(-MIN), RNE, st) & 0xffffffffL, st, b(-0f) & 0xffffffffL, UF | NX);
        st = new FpState(); cvt("s.d(sNaN)", Fpu.cvtSD(SNAN, RNE, st) & 0xffffffffL, st, QNAN_S, NV);
        // 1/3 = 1.0101...b * 2^-2: the bits after the 24th are 1010..., above half, so RNE rounds up and RDN/RTZ
        // give the float below it
        st = new FpState(); cvt("s.d(1/3) RUP", Fpu.cvtSD(b(1.0 / 3), RUP, st) & 0xffffffffL, st, b((float) (1.0 / 3)), NX);
        st = new FpState(); cvt("s.d(1/3) RDN", Fpu.cvtSD(b(1.0 / 3), RDN, st) & 0xffffffffL, st, b(Math.nextDown((float) (1.0 / 3))), NX);
        st = new FpState(); cvt("s.d(-1/3) RTZ", Fpu.cvtSD(b(-1.0 / 3), RTZ, st) & 0xffffffffL, st, b(-Math.nextDown((float) (1.0 / 3))) & 0xffffffffL, NX);
        st = new FpState(); cvt("d.s(sNaN)", Fpu.cvtDS(SNAN_S, st), st, QNAN, NV);
        st = new FpState(); cvt("d.s(qNaN payload)", Fpu.cvtDS(0xffc12345, st), st, QNAN, 0);
        if (!bad.isEmpty()) fail(String.join("\n", bad));
    }

    @Test void minMaxCompareClass() {
        FpState st;
        st = new FpState(); eq("min(-0,+0)", Fpu.minD(b(-0.0), b(0.0), st), st.flags, b(-0.0), 0);
        st = new FpState(); eq("min(+0,-0)", Fpu.minD(b(0.0), b(-0.0), st), st.flags, b(-0.0), 0);
        st = new FpState(); eq("max(-0,+0)", Fpu.maxD(b(-0.0), b(0.0), st), st.flags, b(0.0), 0);
        st = new FpState(); eq("min(qNaN,1)", Fpu.minD(QNAN, b(1.0), st), st.flags, b(1.0), 0);
        st = new FpState(); eq("max(1,sNaN)", Fpu.maxD(b(1.0), SNAN, st), st.flags, b(1.0), NV);
        st = new FpState(); eq("min(NaN,NaN)", Fpu.minD(NQNAN, SNAN, st), st.flags, QNAN, NV);
        st = new FpState(); eq("minS(-0,+0)", Fpu.minS(b(0f), b(-0f), st) & 0xffffffffL, st.flags, b(-0f) & 0xffffffffL, 0);
        st = new FpState(); eq("maxS(qNaN,qNaN)", Fpu.maxS(QNAN_S, 0xffc00001, st) & 0xffffffffL, st.flags, QNAN_S, 0);
        st = new FpState(); eq("feq(sNaN,1)", Fpu.eqD(SNAN, b(1.0), st), st.flags, 0, NV);
        st = new FpState(); eq("feq(qNaN,1)", Fpu.eqD(QNAN, b(1.0), st), st.flags, 0, 0);
        st = new FpState(); eq("flt(qNaN,1)", Fpu.ltD(QNAN, b(1.0), st), st.flags, 0, NV);
        st = new FpState(); eq("fle(1,qNaN)", Fpu.leD(b(1.0), QNAN, st), st.flags, 0, NV);
        st = new FpState(); eq("feq(-0,+0)", Fpu.eqD(b(-0.0), b(0.0), st), st.flags, 1, 0);
        st = new FpState(); eq("flt(-0,+0)", Fpu.ltD(b(-0.0), b(0.0), st), st.flags, 0, 0);
        st = new FpState(); eq("fle(-0,+0)", Fpu.leD(b(-0.0), b(0.0), st), st.flags, 1, 0);
        st = new FpState(); eq("flt.s(-inf,MAX)", Fpu.ltS(b(Float.NEGATIVE_INFINITY), b(Float.MAX_VALUE), st), st.flags, 1, 0);
        st = new FpState(); eq("feq.s(sNaN,sNaN)", Fpu.eqS(SNAN_S, SNAN_S, st), st.flags, 0, NV);
        long[] d = {b(Double.NEGATIVE_INFINITY), b(-1.0), b(-MIN), b(-0.0), b(0.0), b(MIN), b(1.0), b(Double.POSITIVE_INFINITY), SNAN, QNAN};
        int[] s = {b(Float.NEGATIVE_INFINITY), b(-1f), b(-Float.MIN_VALUE), b(-0f), b(0f), b(Float.MIN_VALUE), b(1f), b(Float.POSITIVE_INFINITY), SNAN_S, QNAN_S};
        for (int i = 0; i < 10; i++) {
            eq("classD #" + i, Fpu.classD(d[i]), 0, 1 << i, 0);
            eq("classS #" + i, Fpu.classS(s[i]), 0, 1 << i, 0);
        }
        if (!bad.isEmpty()) fail(String.join("\n", bad));
    }
}
