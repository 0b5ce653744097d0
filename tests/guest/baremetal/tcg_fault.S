#include "common.h"
/* Faults inside translated code are precise (S-mode, Sv39): a hot loop reading an array runs into an
 * unmapped page — stval is the first unmapped address, sepc the load, and every register the loop
 * changed before the fault has its value; the same for a store into a read-only page, and for a load
 * crossing into the unmapped page (misaligned across the boundary). */
#define VA 0x20000
main:
    SV39_TABLES
    /* VA → data (RW), VA+0x1000 → data2 (R only), VA+0x2000 unmapped */
    la t0, l0
    PTE_SET (VA >> 12) * 8, data, PTE_V | PTE_R | PTE_W | PTE_A | PTE_D
    PTE_SET ((VA >> 12) + 1) * 8, data2, PTE_V | PTE_R | PTE_A
    SV39_ON
    la t0, strap2
    csrw stvec, t0
    li t0, (1 << 12) | (1 << 13) | (1 << 15)   /* page faults go to S-mode's handler */
    csrw medeleg, t0
    GOTO_MODE 1, smode, back
smode:
    /* 1. loads until the fault: 1024 doublewords readable in the two mapped pages */
    li s10, -1
    li t0, VA
    li t1, 0
    li s2, 0
1:  ld t2, 0(t0)
    bgez s10, 2f
    add s2, s2, t2
    addi t1, t1, 1
    addi t0, t0, 8
    j 1b
2:  li t3, 13
    bne s10, t3, e1
    li t3, VA + 0x2000
    bne s11, t3, e2
    bne t0, t3, e3
    li t3, 1024
    bne t1, t3, e4
    li t3, 1024 * 5
    bne s2, t3, e5
    la t3, fault_pc
    ld t3, 0(t3)
    la t4, 1b
    bne t3, t4, e6
    /* 2. stores until the read-only page: 512 doublewords written */
    li s10, -1
    li t0, VA
    li t1, 0
3:  sd t1, 0(t0)
    bgez s10, 4f
    addi t1, t1, 1
    addi t0, t0, 8
    j 3b
4:  li t3, 15
    bne s10, t3, e7
    li t3, VA + 0x1000
    bne s11, t3, e8
    li t3, 512
    bne t1, t3, e9
    li t0, VA + 0xff8
    ld t1, 0(t0)
    li t3, 511
    bne t1, t3, e10
    /* 3. a misaligned load crossing into the unmapped page: stval = the first unmapped byte's page */
    li s1, 0
5:  li s10, -1
    li t0, VA + 0x1ffc
    ld t2, 0(t0)
    li t3, 13
    bne s10, t3, e11
    li t3, VA + 0x2000
    bne s11, t3, e12
    addi s1, s1, 1
    li t3, 200
    blt s1, t3, 5b
    li a0, 0
    ecall
e1: li a0, 1
    ecall
e2: li a0, 2
    ecall
e3: li a0, 3
    ecall
e4: li a0, 4
    ecall
e5: li a0, 5
    ecall
e6: li a0, 6
    ecall
e7: li a0, 7
    ecall
e8: li a0, 8
    ecall
e9: li a0, 9
    ecall
e10: li a0, 10
    ecall
e11: li a0, 11
    ecall
e12: li a0, 12
    ecall

/* S handler: records sepc, skips the instruction */
.p2align 2
strap2:
    csrr s10, scause
    csrr s11, stval
    csrr t6, sepc
    la t5, fault_pc
    sd t6, 0(t5)
    addi t6, t6, 4
    csrw sepc, t6
    sret

back:
    bnez a0, fail
    j pass

.data
.p2align 3
fault_pc: .dword 0
SV39_TABLE_SPACE
data:
    .rept 512
    .dword 5
    .endr
data2:
    .rept 512
    .dword 5
    .endr
