/* FP through libm and the compiler: results printed exactly (%a), in every rounding mode, with the exception flags. */
#include <fenv.h>
#include <math.h>
#include <stdio.h>
#include <float.h>

static const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_DOWNWARD, FE_UPWARD};
static const char *names[] = {"nearest", "zero", "down", "up"};

static void flags(void) {
    int f = fetestexcept(FE_ALL_EXCEPT);
    printf(" [%s%s%s%s%s]\n", f & FE_INEXACT ? "x" : "", f & FE_UNDERFLOW ? "u" : "", f & FE_OVERFLOW ? "o" : "",
           f & FE_DIVBYZERO ? "z" : "", f & FE_INVALID ? "i" : "");
    feclearexcept(FE_ALL_EXCEPT);
}

int main(void) {
    volatile double vals[] = {0.0, -0.0, 1.0, -1.5, 0.1, 1e308, -1e-308, 4.9e-324, INFINITY, -INFINITY, NAN, 2.5, 3.5, -2.5, 1e16 + 1, 12345.6789};
    volatile float fvals[] = {0.0f, 1.0f, -1.5f, 0.1f, 3e38f, 1e-45f, INFINITY, NAN, 2.5f, 16777217.0f};
    int nv = sizeof vals / sizeof vals[0], nf = sizeof fvals / sizeof fvals[0];
    for (int m = 0; m < 4; m++) {
        fesetround(modes[m]);
        feclearexcept(FE_ALL_EXCEPT);
        printf("== %s\n", names[m]);
        for (int i = 0; i < nv; i++) {
            double a = vals[i], b = vals[(i * 7 + 3) % nv];
            printf("%a %a: + %a", a, b, a + b); flags();
            printf("  * %a", a * b); flags();
            printf("  / %a", a / b); flags();
            printf("  sqrt %a", sqrt(a)); flags();
            printf("  fma %a", fma(a, b, 0.3)); flags();
            printf("  rint %a nearbyint %a", rint(a), nearbyint(a)); flags();
            printf("  lrint %ld llround %lld", (long) (isfinite(a) && fabs(a) < 1e18 ? lrint(a) : 0), (long long) (isfinite(a) && fabs(a) < 1e18 ? llround(a) : 0)); flags();
            printf("  (int) %d (unsigned long) %lu", isfinite(a) && fabs(a) < 2e9 ? (int) a : 0, isfinite(a) && a >= 0 && a < 1e19 ? (unsigned long) a : 0UL); flags();
            printf("  (float) %a", (double) (float) a); flags();
            printf("  fmin %a fmax %a", fmin(a, b), fmax(a, b)); flags();
            printf("  < %d <= %d == %d isless %d", a < b, a <= b, a == b, isless(a, b)); flags();
        }
        for (int i = 0; i < nf; i++) {
            float a = fvals[i], b = fvals[(i * 3 + 1) % nf];
            printf("f %a %a: + %a * %a / %a sqrt %a fma %a", a, b, a + b, a * b, a / b, sqrtf(a), fmaf(a, b, 0.1f)); flags();
            printf("  (double) %a (long) %ld", (double) a, isfinite(a) && fabsf(a) < 1e18f ? (long) a : 0L); flags();
        }
        for (long k = -3; k < 1L << 62 && k != 0; k = k < 0 ? k + 1 : k * 3 + 1) {
            printf("cvt %ld -> %a %a %a", k, (double) k, (double) (unsigned long) k, (double) (float) k); flags();
        }
    }
    fesetround(FE_TONEAREST);
    double s = 0;
    for (int i = 1; i < 2000; i++) s += sin(i * 0.001) * exp(-i * 1e-4) + log1p(i) / pow(i, 0.3) + atan2(i, 7) + cbrt(i);
    printf("libm %a\n", s);
    return 0;
}
