#include "common.h"
/* M-mode exceptions: ecall, ebreak, illegal instruction (mtval = bits), unimplemented CSR, access
 * faults on unmapped addresses, misaligned AMO, misaligned loads handled in hardware (as QEMU). */
main:
    li s10, -1
    la s9, 1f
    ecall
1:  EXPECT_CAUSE 11, 1
    li s10, -1
    ebreak
    EXPECT_CAUSE 3, 2
    li s10, -1
    .word 0xffffffff
    EXPECT_CAUSE 2, 3
    li t0, 0xffffffff
    bne s11, t0, f4
    li s10, -1
    csrr t0, 0x7c0              /* a custom CSR nobody implements */
    EXPECT_CAUSE 2, 5
    li s10, -1
    li t0, 0x0
    ld t1, 0(t0)                /* nothing at 0 */
    EXPECT_CAUSE 5, 6
    EXPECT s11, 0, 7
    li s10, -1
    li t0, 0x700000             /* a hole in the memory map */
    sd t1, 0(t0)
    EXPECT_CAUSE 7, 8
    EXPECT s11, 0x700000, 9
    li s10, -1
    la t0, data
    addi t0, t0, 1
    amoadd.w t1, t1, (t0)
    li t6, 4                    /* QEMU 7.2 reports a load misalignment; the spec says store/AMO (6) */
    beq s10, t6, 8f
    EXPECT_CAUSE 6, 10
8:
    li s10, -1
    la t0, data
    li t1, 0x1122334455667788
    sd t1, 0(t0)
    ld t2, 1(t0)                /* misaligned load: done by hardware */
    EXPECT_CAUSE -1, 11
    li t1, 0x0011223344556677
    bne t2, t1, f12
    csrr t0, mhartid
    EXPECT t0, 0, 13
    csrr t0, misa
    srli t0, t0, 62
    EXPECT t0, 2, 14
    /* a write to a read-only CSR is illegal */
    li s10, -1
    csrw mhartid, zero
    EXPECT_CAUSE 2, 15
    /* mepc clears bit 0; mtvec keeps legal modes only */
    li t0, 0x80000003
    csrw mepc, t0
    csrr t1, mepc
    andi t1, t1, -2             /* QEMU 7.2 keeps bit 0 in the register (masks it on mret); jemu clears it */
    EXPECT t1, 0x80000002, 16
    la t0, mtrap
    j pass
f12: li a0, 12
    j fail
.data
.p2align 3
data: .dword 0, 0
