#include "common.h"
/* mip.SEIP read-modify-write (privileged spec 3.1.9): the bit read is the OR of the software-writable
 * SEIP and the PLIC's S-context line, but only the software bit takes part in CSRRS/CSRRC. A
 * `csrs mip, SSIP` (what OpenSBI does to deliver an S-mode IPI) while the line is high must not latch
 * SEIP: once the line drops, SEIP reads 0 again. Interrupts stay disabled (mie = 0) throughout. */
main:
    csrw mie, zero
    li t0, PLIC + 4 * 10
    li t1, 1
    sw t1, 0(t0)                  /* UART source 10: priority 1 */
    li t0, PLIC + 0x2080
    li t1, 1 << 10
    sw t1, 0(t0)                  /* context 1 (hart 0 S-mode) enables it */
    li t0, PLIC + 0x201000
    sw zero, 0(t0)                /* context 1 threshold 0 */
    li t3, UART
    li t1, 2
    sb t1, 1(t3)                  /* IER: THR empty → the line goes high */
    csrr t0, mip
    andi t0, t0, 0x200
    beqz t0, f1                   /* SEIP reads the PLIC line */
    li t0, 2
    csrs mip, t0                  /* set SSIP while the line is high */
    li t4, PLIC + 0x201004
    lw t5, 0(t4)                  /* claim (context 1): source 10 */
    li t1, 10
    bne t5, t1, f7
    sb zero, 1(t3)                /* IER off: the line drops */
    sw t5, 0(t4)                  /* complete: nothing pending any more */
    csrr t0, mip
    andi t1, t0, 0x200
    bnez t1, f2                   /* SEIP must follow the line, not stay latched */
    andi t1, t0, 2
    beqz t1, f3                   /* SSIP was set */
    li t0, 2
    csrc mip, t0
    csrr t0, mip
    andi t0, t0, 0x202
    bnez t0, f4
    li t0, 0x200
    csrs mip, t0                  /* the software-writable SEIP */
    csrr t1, mip
    andi t1, t1, 0x200
    beqz t1, f5
    csrc mip, t0
    csrr t1, mip
    andi t1, t1, 0x200
    bnez t1, f6
    j pass
