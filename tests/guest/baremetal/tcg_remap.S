#include "common.h"
/* Translated code under paging (S-mode, Sv39): the virtual page 0x10000 is mapped to page A, whose
 * code runs hot (translated), then remapped to page B holding different code at the same virtual
 * address (sfence.vma): B's code must run, never A's stale translation; then back to A. Also the same
 * physical code seen through two virtual pages, and a fetch page fault after unmapping. */
#define VA 0x10000
main:
    SV39_TABLES
    SV39_ON
    la t0, strap2
    csrw stvec, t0
    li t0, (1 << 12) | (1 << 13) | (1 << 15)   /* page faults go to S-mode's handler */
    csrw medeleg, t0
    GOTO_MODE 1, smode, back
smode:
    la a0, page_a
    call map                       /* VA → A */
    li a0, 0x111
    call run_hot
    la a0, page_b
    call map                       /* VA → B */
    li a0, 0x222
    call run_hot
    la a0, page_a
    call map                       /* and back */
    li a0, 0x111
    call run_hot
    /* the same physical page A through a second virtual page (VA + 0x1000) */
    la t0, l0
    PTE_SET ((VA >> 12) + 1) * 8, page_a, PTE_V | PTE_R | PTE_X | PTE_A
    sfence.vma
    li s1, 300
1:  li t0, VA + 0x1000
    jalr t0
    li t1, 0x111
    bne a0, t1, e1
    addi s1, s1, -1
    bnez s1, 1b
    /* unmapped: the call faults (fetch page fault, stval = VA) */
    la t0, l0
    sd zero, (VA >> 12) * 8(t0)
    sfence.vma
    li s10, -1
    la ra, 2f
    li t0, VA
    jalr t0
2:  li t1, 12
    bne s10, t1, e2
    li t1, VA
    bne s11, t1, e3
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

/* map(a0 = physical page): l0[VA] → a0, RX, then sfence.vma */
map:
    la t0, l0
    srli t1, a0, 12
    slli t1, t1, 10
    ori t1, t1, PTE_V | PTE_R | PTE_X | PTE_A
    sd t1, (VA >> 12) * 8(t0)
    sfence.vma
    ret

/* run_hot(a0 = expected): calls VA 300 times, each must return a0 */
run_hot:
    mv s2, ra
    mv s3, a0
    li s1, 300
1:  li t0, VA
    jalr t0
    bne a0, s3, e4
    addi s1, s1, -1
    bnez s1, 1b
    mv ra, s2
    ret

/* S handler: fetch faults resume at ra (like the M handler), others skip the instruction */
.p2align 2
strap2:
    csrr s10, scause
    csrr s11, stval
    li t6, 12
    beq s10, t6, 1f
    csrr t6, sepc
    addi t6, t6, 4
    csrw sepc, t6
    sret
1:  csrw sepc, ra
    sret

back:
    bnez a0, fail
    j pass

.data
SV39_TABLE_SPACE
page_a:
    /* a small loop so the page holds a loop too: returns 0x111 */
    li a0, 0
    li t2, 0x111
1:  addi a0, a0, 1
    bne a0, t2, 1b
    ret
.p2align 12
page_b:
    li a0, 0x222
    ret
.p2align 12
