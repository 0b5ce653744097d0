/*
 * fpu_corners: prints the result bits and the accrued exception flags of RISC-V F/D instructions over corner
 * operands (signed zeros, subnormals, MIN/MAX, infinities, quiet and signaling NaNs, ties, integer range
 * limits) in every rounding mode. Every operation is a single instruction in inline asm, so the compiler
 * neither folds nor reorders it; dynamic modes are set with fesetround (RMM, which has no FE_ constant, with
 * csrwi frm), flags are read with feclearexcept/fetestexcept, and the static-rm encodings (fcvt with
 * rne/rtz/rdn/rup/rmm, fadd with a static rm) are separate asm statements.
 * The output is compared line by line between jemu-riscv64 and qemu-riscv64 (FpuGuestDiffTest).
 */
#include <fenv.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static double D(uint64_t u) { double d; memcpy(&d, &u, 8); return d; }
static uint64_t UD(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static float F(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }
static uint32_t UF(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

static const char *const RM_NAME[5] = {"rne", "rtz", "rdn", "rup", "rmm"};

static void set_rm(int rm) {
    static const int fe[4] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
    if (rm < 4) fesetround(fe[rm]);
    else __asm__ volatile("csrwi frm, 4" ::: "memory");
}

static void clr(void) { feclearexcept(FE_ALL_EXCEPT); }
static int flags(void) { return fetestexcept(FE_ALL_EXCEPT); }

/* ------------------------------------------------------------------ operands */

static uint64_t dv[24];
static int ndv;
static uint32_t fv[24];
static int nfv;

static void init_values(void) {
    const double dd[] = {0.0, -0.0, 1.0, -1.0, 3.0, 0.1, 1.0 / 3, -2.5, 0x1p-53, 1 - 0x1p-53, 1 + 0x1p-52,
                         0x1p-1074, 0x1p-1022 - 0x1p-1074, 0x1p-1022, -0x1.0000000000001p-1022,
                         0x1.fffffffffffffp1023, -0x1p1023, __builtin_inf(), -__builtin_inf()};
    for (unsigned i = 0; i < sizeof dd / sizeof dd[0]; i++) dv[ndv++] = UD(dd[i]);
    dv[ndv++] = 0x7ff8000000000000ull;    /* canonical qNaN */
    dv[ndv++] = 0xfff8000000000123ull;    /* negative qNaN with payload */
    dv[ndv++] = 0x7ff4000000000000ull;    /* sNaN */
    const float ff[] = {0.0f, -0.0f, 1.0f, -1.0f, 3.0f, 0.1f, 1.0f / 3, -2.5f, 0x1p-24f, 1 - 0x1p-24f, 1 + 0x1p-23f,
                        0x1p-149f, 0x1p-126f - 0x1p-149f, 0x1p-126f, -0x1.000002p-126f,
                        0x1.fffffep127f, -0x1p127f, __builtin_inff(), -__builtin_inff()};
    for (unsigned i = 0; i < sizeof ff / sizeof ff[0]; i++) fv[nfv++] = UF(ff[i]);
    fv[nfv++] = 0x7fc00000u;
    fv[nfv++] = 0xffc00123u;
    fv[nfv++] = 0x7fa00000u;
}

/* a smaller set for the three-operand instructions */
static const int fma_pick[] = {1, 2, 5, 8, 11, 15, 17, 21};
#define NFMA ((int) (sizeof fma_pick / sizeof fma_pick[0]))

/* ------------------------------------------------------------------ instruction wrappers */

#define BIN(fn, insn, T, C)                                                             \
    static T fn(T a, T b) {                                                             \
        T r;                                                                            \
        __asm__ volatile(insn " %0, %1, %2" : "=f"(r) : "f"(a), "f"(b) : "memory");  \
        return r;                                                                       \
    }
#define TRI(fn, insn, T)                                                                           \
    static T fn(T a, T b, T c) {                                                                   \
        T r;                                                                                       \
        __asm__ volatile(insn " %0, %1, %2, %3" : "=f"(r) : "f"(a), "f"(b), "f"(c) : "memory"); \
        return r;                                                                                  \
    }
BIN(fadd_d, "fadd.d", double, 0) BIN(fsub_d, "fsub.d", double, 0) BIN(fmul_d, "fmul.d", double, 0)
BIN(fdiv_d, "fdiv.d", double, 0) BIN(fmin_d, "fmin.d", double, 0) BIN(fmax_d, "fmax.d", double, 0)
BIN(fadd_s, "fadd.s", float, 0) BIN(fsub_s, "fsub.s", float, 0) BIN(fmul_s, "fmul.s", float, 0)
BIN(fdiv_s, "fdiv.s", float, 0) BIN(fmin_s, "fmin.s", float, 0) BIN(fmax_s, "fmax.s", float, 0)
TRI(fmadd_d, "fmadd.d", double) TRI(fmsub_d, "fmsub.d", double) TRI(fnmsub_d, "fnmsub.d", double)
TRI(fnmadd_d, "fnmadd.d", double)
TRI(fmadd_s, "fmadd.s", float) TRI(fmsub_s, "fmsub.s", float) TRI(fnmsub_s, "fnmsub.s", float)
TRI(fnmadd_s, "fnmadd.s", float)

static double fsqrt_d(double a) { double r; __asm__ volatile("fsqrt.d %0, %1" : "=f"(r) : "f"(a) : "memory"); return r; }
static float fsqrt_s(float a) { float r; __asm__ volatile("fsqrt.s %0, %1" : "=f"(r) : "f"(a) : "memory"); return r; }

#define CMP(fn, insn, T)                                                               \
    static long fn(T a, T b) {                                                         \
        long r;                                                                        \
        __asm__ volatile(insn " %0, %1, %2" : "=r"(r) : "f"(a), "f"(b) : "memory"); \
        return r;                                                                      \
    }
CMP(feq_d, "feq.d", double) CMP(flt_d, "flt.d", double) CMP(fle_d, "fle.d", double)
CMP(feq_s, "feq.s", float) CMP(flt_s, "flt.s", float) CMP(fle_s, "fle.s", float)

static long fclass_d(double a) { long r; __asm__ volatile("fclass.d %0, %1" : "=r"(r) : "f"(a) : "memory"); return r; }
static long fclass_s(float a) { long r; __asm__ volatile("fclass.s %0, %1" : "=r"(r) : "f"(a) : "memory"); return r; }

/* float -> integer with a static rounding mode: one asm statement per (instruction, rm) */
#define F2I_RM(fn, insn, T, rm)                                                        \
    static long fn##_##rm(T a) {                                                       \
        long r;                                                                        \
        __asm__ volatile(insn " %0, %1, " #rm : "=r"(r) : "f"(a) : "memory");        \
        return r;                                                                      \
    }
#define F2I(fn, insn, T)                                                                        \
    F2I_RM(fn, insn, T, rne) F2I_RM(fn, insn, T, rtz) F2I_RM(fn, insn, T, rdn)                  \
    F2I_RM(fn, insn, T, rup) F2I_RM(fn, insn, T, rmm)                                           \
    static long fn(T a, int rm) {                                                               \
        switch (rm) {                                                                           \
        case 0: return fn##_rne(a); case 1: return fn##_rtz(a); case 2: return fn##_rdn(a);   \
        case 3: return fn##_rup(a); default: return fn##_rmm(a);                               \
        }                                                                                       \
    }
F2I(fcvt_w_d, "fcvt.w.d", double) F2I(fcvt_wu_d, "fcvt.wu.d", double) F2I(fcvt_l_d, "fcvt.l.d", double)
F2I(fcvt_lu_d, "fcvt.lu.d", double)
F2I(fcvt_w_s, "fcvt.w.s", float) F2I(fcvt_wu_s, "fcvt.wu.s", float) F2I(fcvt_l_s, "fcvt.l.s", float)
F2I(fcvt_lu_s, "fcvt.lu.s", float)

/* integer -> float and double -> float with a static rounding mode */
#define I2F_RM(fn, insn, T, rm)                                                        \
    static T fn##_##rm(long a) {                                                       \
        T r;                                                                           \
        __asm__ volatile(insn " %0, %1, " #rm : "=f"(r) : "r"(a) : "memory");        \
        return r;                                                                      \
    }
#define I2F(fn, insn, T)                                                                        \
    I2F_RM(fn, insn, T, rne) I2F_RM(fn, insn, T, rtz) I2F_RM(fn, insn, T, rdn)                  \
    I2F_RM(fn, insn, T, rup) I2F_RM(fn, insn, T, rmm)                                           \
    static T fn(long a, int rm) {                                                               \
        switch (rm) {                                                                           \
        case 0: return fn##_rne(a); case 1: return fn##_rtz(a); case 2: return fn##_rdn(a);   \
        case 3: return fn##_rup(a); default: return fn##_rmm(a);                               \
        }                                                                                       \
    }
I2F(fcvt_d_l, "fcvt.d.l", double) I2F(fcvt_d_lu, "fcvt.d.lu", double) I2F(fcvt_s_l, "fcvt.s.l", float)
I2F(fcvt_s_lu, "fcvt.s.lu", float) I2F(fcvt_s_w, "fcvt.s.w", float) I2F(fcvt_s_wu, "fcvt.s.wu", float)

#define SD_RM(rm)                                                                      \
    static float fcvt_s_d_##rm(double a) {                                             \
        float r;                                                                       \
        __asm__ volatile("fcvt.s.d %0, %1, " #rm : "=f"(r) : "f"(a) : "memory");     \
        return r;                                                                      \
    }
SD_RM(rne) SD_RM(rtz) SD_RM(rdn) SD_RM(rup) SD_RM(rmm)
static float fcvt_s_d(double a, int rm) {
    switch (rm) {
    case 0: return fcvt_s_d_rne(a); case 1: return fcvt_s_d_rtz(a); case 2: return fcvt_s_d_rdn(a);
    case 3: return fcvt_s_d_rup(a); default: return fcvt_s_d_rmm(a);
    }
}
static double fcvt_d_s(float a) { double r; __asm__ volatile("fcvt.d.s %0, %1" : "=f"(r) : "f"(a) : "memory"); return r; }

/* static-rm arithmetic (the rm field overrides frm) */
#define ADD_RM(rm)                                                                            \
    static double fadd_d_##rm(double a, double b) {                                           \
        double r;                                                                             \
        __asm__ volatile("fadd.d %0, %1, %2, " #rm : "=f"(r) : "f"(a), "f"(b) : "memory");  \
        return r;                                                                             \
    }
ADD_RM(rne) ADD_RM(rtz) ADD_RM(rdn) ADD_RM(rup) ADD_RM(rmm)

/* ------------------------------------------------------------------ drivers */

typedef double (*bin_d)(double, double);
typedef float (*bin_s)(float, float);
typedef double (*tri_d)(double, double, double);
typedef float (*tri_s)(float, float, float);

static void run_bin_d(const char *name, bin_d op) {
    for (int rm = 0; rm < 5; rm++)
        for (int i = 0; i < ndv; i++)
            for (int j = 0; j < ndv; j++) {
                set_rm(rm);
                clr();
                double r = op(D(dv[i]), D(dv[j]));
                int f = flags();
                printf("%s %s %016llx %016llx = %016llx %02x\n", name, RM_NAME[rm], (unsigned long long) dv[i],
                       (unsigned long long) dv[j], (unsigned long long) UD(r), f);
            }
}

static void run_bin_s(const char *name, bin_s op) {
    for (int rm = 0; rm < 5; rm++)
        for (int i = 0; i < nfv; i++)
            for (int j = 0; j < nfv; j++) {
                set_rm(rm);
                clr();
                float r = op(F(fv[i]), F(fv[j]));
                int f = flags();
                printf("%s %s %08x %08x = %08x %02x\n", name, RM_NAME[rm], fv[i], fv[j], UF(r), f);
            }
}

static void run_tri_d(const char *name, tri_d op) {
    for (int rm = 0; rm < 5; rm++)
        for (int i = 0; i < NFMA; i++)
            for (int j = 0; j < NFMA; j++)
                for (int k = 0; k < NFMA; k++) {
                    uint64_t a = dv[fma_pick[i]], b = dv[fma_pick[j]], c = dv[fma_pick[k]];
                    set_rm(rm);
                    clr();
                    double r = op(D(a), D(b), D(c));
                    int f = flags();
                    printf("%s %s %016llx %016llx %016llx = %016llx %02x\n", name, RM_NAME[rm], (unsigned long long) a,
                           (unsigned long long) b, (unsigned long long) c, (unsigned long long) UD(r), f);
                }
}

static void run_tri_s(const char *name, tri_s op) {
    for (int rm = 0; rm < 5; rm++)
        for (int i = 0; i < NFMA; i++)
            for (int j = 0; j < NFMA; j++)
                for (int k = 0; k < NFMA; k++) {
                    uint32_t a = fv[fma_pick[i]], b = fv[fma_pick[j]], c = fv[fma_pick[k]];
                    set_rm(rm);
                    clr();
                    float r = op(F(a), F(b), F(c));
                    int f = flags();
                    printf("%s %s %08x %08x %08x = %08x %02x\n", name, RM_NAME[rm], a, b, c, UF(r), f);
                }
}

/* fused multiply-add cases that need a single rounding to come out right */
static void run_fma_specials(void) {
    const double t[][3] = {
        {1 + 0x1p-27, 1 - 0x1p-27, -1},                 /* = -2^-54 exactly */
        {1 + 0x1p-52, 1 + 0x1p-52, -1},                 /* 2^-51 + 2^-104 */
        {0x1p-600, 0x1p-500, 0x1p-1074},                /* tiny product + smallest subnormal */
        {0x1.fffffffffffffp1023, 2, -0x1.fffffffffffffp1023},
        {0x1p-1022, 0.5, -0x1p-1074},
        {1 + 0x1p-52, 1 - 0x1p-53, -1},
        {3, 1.0 / 3, -1},
        {0.1, 10, -1},
    };
    enum { NT = sizeof t / sizeof t[0] };
    uint32_t ts[NT][3];                 /* the single-precision operands, converted once in RNE */
    set_rm(0);
    for (unsigned i = 0; i < NT; i++)
        for (int k = 0; k < 3; k++) ts[i][k] = UF((float) t[i][k]);
    for (int rm = 0; rm < 5; rm++)
        for (unsigned i = 0; i < NT; i++) {
            set_rm(rm);
            clr();
            double r = fmadd_d(t[i][0], t[i][1], t[i][2]);
            int f = flags();
            printf("fmadd.d* %s %016llx %016llx %016llx = %016llx %02x\n", RM_NAME[rm], (unsigned long long) UD(t[i][0]),
                   (unsigned long long) UD(t[i][1]), (unsigned long long) UD(t[i][2]), (unsigned long long) UD(r), f);
            float a = F(ts[i][0]), b = F(ts[i][1]), c = F(ts[i][2]);
            set_rm(rm);
            clr();
            float rs = fmadd_s(a, b, c);
            f = flags();
            printf("fmadd.s* %s %08x %08x %08x = %08x %02x\n", RM_NAME[rm], ts[i][0], ts[i][1], ts[i][2], UF(rs), f);
        }
}

static void run_unary(void) {
    for (int rm = 0; rm < 5; rm++) {
        for (int i = 0; i < ndv; i++) {
            set_rm(rm);
            clr();
            double r = fsqrt_d(D(dv[i]));
            int f = flags();
            printf("fsqrt.d %s %016llx = %016llx %02x\n", RM_NAME[rm], (unsigned long long) dv[i], (unsigned long long) UD(r), f);
        }
        for (int i = 0; i < nfv; i++) {
            set_rm(rm);
            clr();
            float r = fsqrt_s(F(fv[i]));
            int f = flags();
            printf("fsqrt.s %s %08x = %08x %02x\n", RM_NAME[rm], fv[i], UF(r), f);
        }
    }
    set_rm(0);
    for (int i = 0; i < ndv; i++) printf("fclass.d %016llx = %03lx\n", (unsigned long long) dv[i], fclass_d(D(dv[i])));
    for (int i = 0; i < nfv; i++) printf("fclass.s %08x = %03lx\n", fv[i], fclass_s(F(fv[i])));
}

static void run_compare(void) {
    set_rm(0);
    for (int i = 0; i < ndv; i++)
        for (int j = 0; j < ndv; j++) {
            double a = D(dv[i]), b = D(dv[j]);
            long r[3];
            int f[3];
            clr(); r[0] = feq_d(a, b); f[0] = flags();
            clr(); r[1] = flt_d(a, b); f[1] = flags();
            clr(); r[2] = fle_d(a, b); f[2] = flags();
            clr(); double mn = fmin_d(a, b); int fmn = flags();
            clr(); double mx = fmax_d(a, b); int fmx = flags();
            printf("cmp.d %016llx %016llx = eq %ld %02x lt %ld %02x le %ld %02x min %016llx %02x max %016llx %02x\n",
                   (unsigned long long) dv[i], (unsigned long long) dv[j], r[0], f[0], r[1], f[1], r[2], f[2],
                   (unsigned long long) UD(mn), fmn, (unsigned long long) UD(mx), fmx);
        }
    for (int i = 0; i < nfv; i++)
        for (int j = 0; j < nfv; j++) {
            float a = F(fv[i]), b = F(fv[j]);
            long r[3];
            int f[3];
            clr(); r[0] = feq_s(a, b); f[0] = flags();
            clr(); r[1] = flt_s(a, b); f[1] = flags();
            clr(); r[2] = fle_s(a, b); f[2] = flags();
            clr(); float mn = fmin_s(a, b); int fmn = flags();
            clr(); float mx = fmax_s(a, b); int fmx = flags();
            printf("cmp.s %08x %08x = eq %ld %02x lt %ld %02x le %ld %02x min %08x %02x max %08x %02x\n", fv[i], fv[j],
                   r[0], f[0], r[1], f[1], r[2], f[2], UF(mn), fmn, UF(mx), fmx);
        }
}

static void run_conversions(void) {
    const double cd[] = {0.0, -0.0, 0.5, -0.5, 1.5, -1.5, 2.5, -2.5, 0.49999999999999994, -0.7, 1e-300,
                         2147483647.0, 2147483647.5, 2147483648.0, -2147483648.0, -2147483648.5, -2147483649.0,
                         4294967295.0, 4294967295.5, 4294967296.0, 0x1p52 + 1, 0x1p63, -0x1p63, 0x1.fffffffffffffp62,
                         0x1p64, 0x1.fffffffffffffp63, -0x1.0000000000001p63, 1e300, __builtin_inf(), -__builtin_inf()};
    uint64_t dvals[40];
    int n = 0;
    for (unsigned i = 0; i < sizeof cd / sizeof cd[0]; i++) dvals[n++] = UD(cd[i]);
    dvals[n++] = 0x7ff8000000000000ull;
    dvals[n++] = 0xfff4000000000001ull;
    for (int rm = 0; rm < 5; rm++)
        for (int i = 0; i < n; i++) {
            double a = D(dvals[i]);
            long r[4];
            int f[4];
            clr(); r[0] = fcvt_w_d(a, rm); f[0] = flags();
            clr(); r[1] = fcvt_wu_d(a, rm); f[1] = flags();
            clr(); r[2] = fcvt_l_d(a, rm); f[2] = flags();
            clr(); r[3] = fcvt_lu_d(a, rm); f[3] = flags();
            clr(); float s = fcvt_s_d(a, rm); int fs = flags();
            printf("cvt.d %s %016llx = w %016lx %02x wu %016lx %02x l %016lx %02x lu %016lx %02x s %08x %02x\n", RM_NAME[rm],
                   (unsigned long long) dvals[i], r[0], f[0], r[1], f[1], r[2], f[2], r[3], f[3], UF(s), fs);
            float af = (float) a;   /* the same operands in single precision (converted in RNE before the flags are cleared) */
            clr(); r[0] = fcvt_w_s(af, rm); f[0] = flags();
            clr(); r[1] = fcvt_wu_s(af, rm); f[1] = flags();
            clr(); r[2] = fcvt_l_s(af, rm); f[2] = flags();
            clr(); r[3] = fcvt_lu_s(af, rm); f[3] = flags();
            printf("cvt.s %s %08x = w %016lx %02x wu %016lx %02x l %016lx %02x lu %016lx %02x\n", RM_NAME[rm], UF(af),
                   r[0], f[0], r[1], f[1], r[2], f[2], r[3], f[3]);
        }
    for (int i = 0; i < nfv; i++) {
        clr();
        double d = fcvt_d_s(F(fv[i]));
        int f = flags();
        printf("fcvt.d.s %08x = %016llx %02x\n", fv[i], (unsigned long long) UD(d), f);
    }
    /* double -> single around the single subnormal and overflow thresholds */
    const double sd[] = {0x1p-150, 0x1.8p-150, 0x1p-149, 0x1.fffffcp-127, 0x1.fffffep-127, 0x1.ffffffp-127, 0x1p-1074,
                         -0x1p-1074, 0x1.fffffefffffffp127, 0x1.ffffffp127, 0x1p128, 0x1.000001p0, 0x1.0000018p0, -0x1.0000008p0};
    for (int rm = 0; rm < 5; rm++)
        for (unsigned i = 0; i < sizeof sd / sizeof sd[0]; i++) {
            clr();
            float s = fcvt_s_d(sd[i], rm);
            int f = flags();
            printf("fcvt.s.d %s %016llx = %08x %02x\n", RM_NAME[rm], (unsigned long long) UD(sd[i]), UF(s), f);
        }
    const long iv[] = {0, 1, -1, 16777217, -16777217, 16777219, 2147483647, -2147483647 - 1, 4294967295L,
                       (1L << 53) + 1, -(1L << 53) - 1, (1L << 53) + 3, 0x7fffffffffffffffL, -0x7fffffffffffffffL - 1,
                       0x7ffffffffffffdffL, 0x123456789abcdef1L, -0x123456789abcdef1L};
    for (int rm = 0; rm < 5; rm++)
        for (unsigned i = 0; i < sizeof iv / sizeof iv[0]; i++) {
            long x = iv[i];
            uint64_t r[2];
            uint32_t s[4];
            int f[6];
            clr(); r[0] = UD(fcvt_d_l(x, rm)); f[0] = flags();
            clr(); r[1] = UD(fcvt_d_lu(x, rm)); f[1] = flags();
            clr(); s[0] = UF(fcvt_s_l(x, rm)); f[2] = flags();
            clr(); s[1] = UF(fcvt_s_lu(x, rm)); f[3] = flags();
            clr(); s[2] = UF(fcvt_s_w(x, rm)); f[4] = flags();
            clr(); s[3] = UF(fcvt_s_wu(x, rm)); f[5] = flags();
            printf("cvt.i %s %016lx = d.l %016llx %02x d.lu %016llx %02x s.l %08x %02x s.lu %08x %02x s.w %08x %02x s.wu %08x %02x\n",
                   RM_NAME[rm], x, (unsigned long long) r[0], f[0], (unsigned long long) r[1], f[1], s[0], f[2], s[1], f[3],
                   s[2], f[4], s[3], f[5]);
        }
}

static void run_static_rm(void) {
    /* frm holds RNE; the static rm in the instruction must win */
    set_rm(0);
    const double a[] = {1.0, -1.0, 0x1.fffffffffffffp1023, 0x1p-1074};
    const double b[] = {0x1p-53, -0x1p-53, 0x1p970, -0x1p-1074};
    for (unsigned i = 0; i < 4; i++) {
        double r[5];
        int f[5];
        clr(); r[0] = fadd_d_rne(a[i], b[i]); f[0] = flags();
        clr(); r[1] = fadd_d_rtz(a[i], b[i]); f[1] = flags();
        clr(); r[2] = fadd_d_rdn(a[i], b[i]); f[2] = flags();
        clr(); r[3] = fadd_d_rup(a[i], b[i]); f[3] = flags();
        clr(); r[4] = fadd_d_rmm(a[i], b[i]); f[4] = flags();
        printf("fadd.d/static %016llx %016llx =", (unsigned long long) UD(a[i]), (unsigned long long) UD(b[i]));
        for (int k = 0; k < 5; k++) printf(" %s %016llx %02x", RM_NAME[k], (unsigned long long) UD(r[k]), f[k]);
        printf("\n");
    }
    /* accrued flags accumulate until cleared */
    clr();
    (void) fdiv_d(1.0, 0.0);
    (void) fadd_d(D(0x7ff4000000000000ull), 1.0);
    (void) fmul_d(0x1p-1074, 0.5);
    printf("accrued %02x\n", flags());
}

int main(void) {
    init_values();
    run_bin_d("fadd.d", fadd_d);
    run_bin_d("fsub.d", fsub_d);
    run_bin_d("fmul.d", fmul_d);
    run_bin_d("fdiv.d", fdiv_d);
    run_bin_s("fadd.s", fadd_s);
    run_bin_s("fsub.s", fsub_s);
    run_bin_s("fmul.s", fmul_s);
    run_bin_s("fdiv.s", fdiv_s);
    run_tri_d("fmadd.d", fmadd_d);
    run_tri_d("fmsub.d", fmsub_d);
    run_tri_d("fnmsub.d", fnmsub_d);
    run_tri_d("fnmadd.d", fnmadd_d);
    run_tri_s("fmadd.s", fmadd_s);
    run_tri_s("fmsub.s", fmsub_s);
    run_tri_s("fnmsub.s", fnmsub_s);
    run_tri_s("fnmadd.s", fnmadd_s);
    run_fma_specials();
    run_unary();
    run_compare();
    run_conversions();
    run_static_rm();
    set_rm(0);
    printf("fpu_corners done\n");
    return 0;
}
