#include "common.h"
/* Interrupts reach translated loops: a register-only spin loop (translated: no CSR, no memory) must
 * be interrupted by the CLINT timer; a loop polling a memory flag must see the flag the timer handler
 * sets. */
main:
    la t0, handler
    csrw mtvec, t0
    /* 1. register-only spin: the handler sets s10 to mcause (negative: an interrupt) */
    li s10, 0
    call arm
    li t0, 0x80
    csrw mie, t0
    csrsi mstatus, 8
1:  addi s1, s1, 1
    bgez s10, 1b
    csrci mstatus, 8
    li t0, 0x8000000000000007
    bne s10, t0, f1
    /* 2. polling a flag in memory */
    la t0, flag
    sd zero, 0(t0)
    call arm
    li t0, 0x80
    csrw mie, t0
    csrsi mstatus, 8
    la t1, flag
2:  ld t2, 0(t1)
    addi s1, s1, 1
    beqz t2, 2b
    csrci mstatus, 8
    EXPECT t2, 1, 2
    j pass

/* arm: mtimecmp = mtime + 5 ms */
arm:
    li t0, CLINT_MTIME
    ld t1, 0(t0)
    li t2, 50000
    add t1, t1, t2
    li t0, CLINT_MTIMECMP
    sd t1, 0(t0)
    ret

.p2align 2
handler:
    csrr s10, mcause
    csrw mie, zero
    la t6, flag
    li t5, 1
    sd t5, 0(t6)
    mret

.data
.p2align 3
flag: .dword 0
