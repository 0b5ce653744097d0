#include "common.h"
/* Translated code and writes to code (M-mode, bare): a hot function rewritten through a store and
 * fence.i must run its new instructions; a loop that patches an instruction of its own body every
 * iteration (with fence.i) must execute each new version; a loop storing data into its own code page
 * keeps running correctly; code copied to a page, run hot, then overwritten with other code. */
main:
    /* 1. a hot function, then patched: "li a0, 1" becomes "li a0, 2" */
    li s1, 300
1:  call func
    EXPECT a0, 1, 1
    addi s1, s1, -1
    bnez s1, 1b
    la t0, func
    la t1, insn_li2
    lw t1, 0(t1)
    sw t1, 0(t0)
    fence.i
    li s1, 300
2:  call func
    EXPECT a0, 2, 2
    addi s1, s1, -1
    bnez s1, 2b

    /* 2. a loop that patches its own body: the immediate of the addi at 'patch' is the iteration number */
    li s1, 0                       /* iteration */
    li s2, 0                       /* sum of what the patched instruction added */
    la s3, patch
    la t0, insn_addi0
    lw s4, 0(t0)                   /* addi s2, s2, 0 */
3:  slli t0, s1, 20                /* imm[11:0] is bits 31:20 */
    or t0, t0, s4
    sw t0, 0(s3)
    fence.i
patch:
    addi s2, s2, 0
    addi s1, s1, 1
    li t0, 400
    blt s1, t0, 3b
    li t0, 399 * 400 / 2
    EXPECT s2, 399 * 400 / 2, 3

    /* 3. a hot loop storing into a variable in its own code page (no code changes) */
    li s1, 0
    la s3, counter
4:  ld t0, 0(s3)
    addi t0, t0, 3
    sd t0, 0(s3)
    addi s1, s1, 1
    li t1, 5000
    blt s1, t1, 4b
    ld t0, 0(s3)
    EXPECT t0, 15000, 4

    /* 4. code copied into a data page, run hot, replaced by different code */
    la a0, code_a
    call install
    li s1, 300
5:  la t0, scratch
    jalr t0
    EXPECT a0, 0x111, 5
    addi s1, s1, -1
    bnez s1, 5b
    la a0, code_b
    call install
    li s1, 300
6:  la t0, scratch
    jalr t0
    EXPECT a0, 0x222, 6
    addi s1, s1, -1
    bnez s1, 6b
    j pass

/* install(a0 = 4 instructions): copies them to 'scratch', then fence.i */
install:
    la t0, scratch
    li t1, 4
1:  lw t2, 0(a0)
    sw t2, 0(t0)
    addi a0, a0, 4
    addi t0, t0, 4
    addi t1, t1, -1
    bnez t1, 1b
    fence.i
    ret

.p2align 2
func:
    li a0, 1
    ret
insn_li2:
    li a0, 2
insn_addi0:
    addi s2, s2, 0
.p2align 3
counter: .dword 0
code_a:
    li a0, 0x111
    nop
    nop
    ret
code_b:
    nop
    li a0, 0x222
    ret
    nop

.data
.p2align 12
scratch: .space 4096
