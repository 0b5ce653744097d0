#include "common.h"
/* medeleg/mideleg: U-mode ecall and illegal instructions delegated to S; S-mode ecall to M;
 * sstatus.SPP/SPIE, sret back to U, mret to S, xRET privilege checks. */
main:
    la t0, strap
    csrw stvec, t0
    li t0, (1 << 8) | (1 << 2)
    csrw medeleg, t0
    csrr t1, medeleg
    EXPECT t1, (1 << 8) | (1 << 2), 1
    li t0, -1
    csrw mideleg, t0
    csrr t1, mideleg
    andi t1, t1, 0x2aa
    EXPECT t1, 0x222, 2          /* SSIP, STIP, SEIP are delegable, M-level interrupts are not */
    csrw mideleg, zero
    GOTO_MODE 1, smode, back
smode:
    li s10, -1
    csrr t0, mstatus             /* M CSR from S: illegal, delegated → S handler */
    EXPECT_CAUSE 2, 3
    li s10, -1
    mret                         /* mret in S: illegal */
    EXPECT_CAUSE 2, 4
    /* drop to U */
    la s8, sback
    li t0, 0x100
    csrc sstatus, t0             /* SPP = U */
    la t0, umode
    csrw sepc, t0
    sret
umode:
    li s10, -1
    sret                          /* sret in U: illegal → S */
    EXPECT_CAUSE 2, 5
    li s10, -1
    csrr t0, sstatus             /* S CSR from U: illegal */
    EXPECT_CAUSE 2, 6
    li s10, -1
    ecall                         /* → S handler, resumes at sback */
    li a0, 7
    j fail
sback:
    EXPECT_CAUSE 8, 8
    csrr t0, sstatus
    andi t0, t0, 0x100
    EXPECT t0, 0, 9               /* sret leaves SPP = U */
    csrr t0, scause
    EXPECT t0, 8, 10
    ecall                         /* S → M (not delegated) */
back:
    EXPECT_CAUSE 9, 11
    csrr t0, mstatus
    srli t0, t0, 11
    andi t0, t0, 3
    EXPECT t0, 0, 12              /* mret leaves MPP = U */
    j pass
