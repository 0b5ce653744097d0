#include "common.h"
/* cycle/instret/time, mcounteren/scounteren gating, time = CLINT mtime at 10 MHz. */
main:
    rdcycle t0
    rdinstret t1
    rdtime t2
    nop
    nop
    rdinstret t3
    bleu t3, t1, f1
    li t0, CLINT_MTIME
    ld t4, 0(t0)
    rdtime t5
    bltu t5, t4, f2
    csrw mcounteren, zero
    GOTO_MODE 1, s1, back1
s1: li s10, -1
    rdtime t0                     /* mcounteren.TM = 0: illegal */
    mv a5, s10
    ecall
back1:
    li t1, 2
    bne a5, t1, f3
    li t0, 2
    csrw mcounteren, t0           /* TM */
    GOTO_MODE 1, s2, back2
s2: li s10, -1
    rdtime t0
    beqz t0, s2f
    csrw scounteren, zero
    la s8, s2b
    li t0, 0x100
    csrc sstatus, t0
    la t0, strap
    csrw stvec, t0
    la t0, u1
    csrw sepc, t0
    sret
u1: li s10, -1
    rdtime t0                     /* scounteren.TM = 0: illegal → M (not delegated) */
    mv a5, s10
    ecall                         /* U ecall → M handler → back2 */
s2b:
s2f:
    ecall
back2:
    li t1, 8
    bne s10, t1, f4
    li t1, 2
    bne a5, t1, f5
    j pass
