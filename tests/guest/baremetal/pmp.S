#include "common.h"
/* PMP: a NAPOT 4 KiB region without permissions blocks S-mode loads/stores (access faults) but not
 * M-mode, until it is locked; locked entries ignore writes. */
main:
    la t0, secret
    srli t0, t0, 2
    ori t0, t0, 0x1ff             /* NAPOT 4 KiB */
    csrw pmpaddr0, t0
    li t0, -1
    csrw pmpaddr1, t0             /* NAPOT everything */
    li t0, (0x1f << 8) | 0x18     /* entry 1 RWX NAPOT, entry 0 NAPOT no access */
    csrw pmpcfg0, t0
    csrr t1, pmpcfg0
    EXPECT t1, (0x1f << 8) | 0x18, 1
    la t0, secret
    ld t1, 0(t0)                  /* M-mode: allowed (entry not locked) */
    li s10, -1
    EXPECT_CAUSE -1, 2
    GOTO_MODE 1, smode, back
smode:
    la t0, secret
    li s10, -1
    ld t1, 0(t0)
    mv a3, s10
    li s10, -1
    sd t1, 0(t0)
    mv a4, s10
    li s10, -1
    la t0, other
    ld t1, 0(t0)
    mv a5, s10
    ecall
back:
    EXPECT a3, 5, 3
    EXPECT a4, 7, 4
    EXPECT a5, -1, 5
    /* lock entry 0: now M-mode is denied too */
    li t0, (0x1f << 8) | 0x98
    csrw pmpcfg0, t0
    li s10, -1
    la t0, secret
    ld t1, 0(t0)
    EXPECT_CAUSE 5, 6
    /* locked entries ignore writes */
    csrw pmpcfg0, zero
    csrr t1, pmpcfg0
    andi t1, t1, 0xff
    EXPECT t1, 0x98, 7
    j pass

.data
.p2align 12
secret: .dword 0x5ec2e7
.p2align 12
other: .dword 1
