#include "common.h"
/* Sv39 in S-mode: a gigapage identity map for the program, a 4 KiB read-only page, a page without
 * A/D (hardware sets them), a U page (SUM), an unmapped page; load/store/fetch page faults with
 * stval = the virtual address; sfence.vma after a PTE change; satp WARL (unsupported mode ignored). */
main:
    SV39_TABLES
    la t0, l0
    /* l0[0]: VA 0x0000 → page0, R only */
    PTE_SET 0, page0, PTE_V | PTE_R | PTE_A
    /* l0[1]: VA 0x1000 → page1, RW, A and D clear */
    PTE_SET 8, page1, PTE_V | PTE_R | PTE_W
    /* l0[2]: VA 0x2000 → page2, U RW */
    PTE_SET 16, page2, PTE_V | PTE_R | PTE_W | PTE_U | PTE_A | PTE_D
    /* l0[3] stays invalid */
    la t0, page0
    li t1, 0x600df00d
    sd t1, 0(t0)
    /* satp: an unsupported mode (Sv64 = 11) is ignored */
    li t0, 11
    slli t0, t0, 60
    csrw satp, t0
    csrr t1, satp
    EXPECT t1, 0, 1
    SV39_ON
    GOTO_MODE 1, smode, back
smode:
    li a0, 0
    li t0, 0x0
    ld t1, 0(t0)
    li t2, 0x600df00d
    bne t1, t2, sf2
    li s10, -1
    sd t1, 8(t0)                  /* read-only page */
    li t2, 15
    bne s10, t2, sf3
    li t2, 8
    bne s11, t2, sf4
    li s10, -1
    li t0, 0x3008
    ld t1, 0(t0)                  /* unmapped */
    li t2, 13
    bne s10, t2, sf5
    li t2, 0x3008
    bne s11, t2, sf6
    li s10, -1
    li t0, 0x1000
    li t1, 77
    sd t1, 0(t0)                  /* A/D set by hardware */
    li t2, -1
    bne s10, t2, sf7
    li s10, -1
    li t0, 0x2000
    ld t1, 0(t0)                  /* U page, SUM = 0 */
    li t2, 13
    bne s10, t2, sf8
    li t0, 1 << 18
    csrs sstatus, t0
    li s10, -1
    li t0, 0x2000
    ld t1, 0(t0)
    li t2, -1
    bne s10, t2, sf9
    li s10, -1
    li t0, 0x0
    jalr ra, 0(t0)                /* fetch from a non-executable page */
    li t2, 12
    bne s10, t2, sf10
    li s10, -1
    li t0, 0x4000000000           /* not sign-extended for Sv39 */
    ld t1, 0(t0)
    li t2, 13
    bne s10, t2, sf11
    ecall
sf2: li a0, 2
    ecall
sf3: li a0, 3
    ecall
sf4: li a0, 4
    ecall
sf5: li a0, 5
    ecall
sf6: li a0, 6
    ecall
sf7: li a0, 7
    ecall
sf8: li a0, 8
    ecall
sf9: li a0, 9
    ecall
sf10: li a0, 10
    ecall
sf11: li a0, 11
    ecall
back:
    bnez a0, fail
    la t0, l0
    ld t1, 8(t0)
    andi t1, t1, PTE_A | PTE_D
    EXPECT t1, PTE_A | PTE_D, 20
    la t0, page1
    ld t1, 0(t0)
    EXPECT t1, 77, 21
    /* M-mode ignores satp */
    la t0, page0
    ld t1, 0(t0)
    csrw satp, zero
    j pass

.data
SV39_TABLE_SPACE
page0: .space 4096
page1: .space 4096
page2: .space 4096
