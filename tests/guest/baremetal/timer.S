#include "common.h"
/* Machine timer interrupt from the CLINT (mtimecmp), WFI wake-up, vectored mtvec, software
 * interrupt via msip, and the Sstc supervisor timer (stimecmp) delegated to S-mode. */
main:
    /* vectored mtvec: interrupt 7 goes to base + 28 */
    la t0, vtable
    ori t0, t0, 1
    csrw mtvec, t0
    li s10, -1
    li t0, CLINT_MTIME
    ld t1, 0(t0)
    li t2, 20000                 /* 2 ms */
    add t1, t1, t2
    li t0, CLINT_MTIMECMP
    sd t1, 0(t0)
    li t0, 0x80
    csrw mie, t0                  /* MTIE, with mstatus.MIE still off: wfi wakes, nothing is taken */
1:  wfi
    csrr t0, mip
    andi t0, t0, 0x80
    beqz t0, 1b
    li t0, -1
    bne s10, t0, f7
    csrsi mstatus, 8              /* now it is taken */
    nop
    li t0, 0x8000000000000007
    bne s10, t0, f1
    li t0, 7
    bne a7, t0, f2               /* came through vector entry 7 */
    csrci mstatus, 8
    la t0, mtrap
    csrw mtvec, t0
    /* software interrupt through msip */
    li s10, -1
    li a7, 0
    li t0, 0x8
    csrw mie, t0
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    csrsi mstatus, 8
    nop
    nop
    csrci mstatus, 8
    li t0, 0x8000000000000003
    bne s10, t0, f3
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    /* a wfi finding an enabled interrupt pending resumes at once, also many in a row with MIE off (the
     * loop OpenSBI's secondary harts wait in for their HSM start; jemu sleeps a little in each after a
     * while), and the interrupt is still there to take afterwards */
    li s10, -1
    li t0, 0x8
    csrw mie, t0
    li t0, CLINT_MSIP
    li t1, 1
    sw t1, 0(t0)
    li t2, 200
4:  wfi
    addi t2, t2, -1
    bnez t2, 4b
    li t0, -1
    bne s10, t0, f7               /* MIE off: no trap */
    csrsi mstatus, 8
    nop
    csrci mstatus, 8
    li t0, 0x8000000000000003
    bne s10, t0, f7
    li t0, CLINT_MSIP
    sw zero, 0(t0)
    /* Sstc: S-mode timer through stimecmp */
    li t0, 1
    slli t0, t0, 63
    csrs 0x30a, t0              /* STCE */
    li t0, 0x20
    csrw mideleg, t0              /* STIP → S */
    li t0, 2
    csrw mcounteren, t0
    la t0, strap
    csrw stvec, t0
    GOTO_MODE 1, smode, back
smode:
    li s10, -1
    li t0, 0x20
    csrw sie, t0
    rdtime t0
    li t1, 20000
    add t0, t0, t1
    csrw 0x14d, t0
2:  wfi
    csrr t0, sip
    andi t0, t0, 0x20
    beqz t0, 2b
    csrsi sstatus, 2
    nop
    mv a5, s10
    csrr a6, sip
    li t0, -1
    csrw 0x14d, t0             /* far future: STIP drops */
    csrr a4, sip
    ecall
back:
    li t0, 0x8000000000000005
    bne a5, t0, f4
    andi a6, a6, 0x20
    beqz a6, f5
    andi a4, a4, 0x20
    bnez a4, f6
    j pass

.p2align 6
vtable:
    j mtrap                       /* 0: exceptions */
    .rept 6
    j vbad
    .endr
    li a7, 7                      /* 7: machine timer */
    j mtrap
vbad:
    li a0, 9
    j fail
