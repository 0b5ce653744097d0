#include "common.h"
/* External interrupt: UART THR-empty interrupt → PLIC source 10 → hart 0 M context → MEIP;
 * claim returns 10, complete; with the source masked nothing is pending. */
main:
    li t0, PLIC + 4 * 10
    li t1, 1
    sw t1, 0(t0)                  /* priority 1 */
    li t0, PLIC + 0x2000
    li t1, 1 << 10
    sw t1, 0(t0)                  /* context 0 enables source 10 */
    li t0, PLIC + 0x200000
    sw zero, 0(t0)                /* threshold 0 */
    li t0, 0x800
    csrw mie, t0
    li s10, -1
    csrsi mstatus, 8
    li t0, UART
    li t1, 2
    sb t1, 1(t0)                  /* IER: THR empty */
1:  li t0, -1
    beq s10, t0, 1b
    csrci mstatus, 8
    li t0, 0x800000000000000b
    bne s10, t0, f1
    csrr t0, mip
    li t1, 0x800
    and t0, t0, t1
    beqz t0, f2                   /* MEIP still pending until claimed */
    li t0, PLIC + 0x200004
    lw t1, 0(t0)
    li t2, 10
    bne t1, t2, f3
    li t3, UART
    sb zero, 1(t3)                /* IER off: the line drops */
    lb zero, 2(t3)
    sw t1, 0(t0)                  /* complete */
    csrr t0, mip
    li t1, 0x800
    and t0, t0, t1
    bnez t0, f4
    j pass
