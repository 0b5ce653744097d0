#include "common.h"
/* System reset (sifive_test 0x7777), as QEMU does it: the machine starts again at the reset vector with
 * the devices at their power-on values and the loaded images (this program, its .data) copied in again,
 * while the rest of RAM keeps its contents. Boot 1 leaves a mark in RAM outside the image, changes a
 * .data word and device registers, and resets; boot 2 finds the mark and checks the rest. With
 * -no-reboot the emulator exits with status 0 after "BOOT1". */
#define MARK 0x80400000
#define MAGIC 0x5245424f4f54
main:
    li s0, MARK
    ld t1, 0(s0)
    li t2, MAGIC
    beq t1, t2, second
    sd t2, 0(s0)
    la t0, word
    li t1, 2
    sw t1, 0(t0)                 /* .data word 1 → 2 */
    li t0, PLIC + 4 * 10
    li t1, 5
    sw t1, 0(t0)                 /* PLIC priority of source 10 */
    li t0, PLIC + 0x2000
    li t1, 1 << 10
    sw t1, 0(t0)                 /* enable for context 0 */
    li t0, CLINT_MTIMECMP
    li t1, 0x1234
    sd t1, 0(t0)                 /* hart 0 mtimecmp */
    li t0, UART
    li t1, 0x0f
    sb t1, 1(t0)                 /* IER */
    la a0, msg1
    call puts
    li t0, TESTDEV
    li t1, 0x7777
    sw t1, 0(t0)
1:  j 1b

second:
    sd zero, 0(s0)
    la a0, msg2
    call puts
    la t0, word
    lw t1, 0(t0)
    li t2, 1
    bne t1, t2, f1               /* the image was loaded again */
    li t0, PLIC + 4 * 10
    lw t1, 0(t0)
    bnez t1, f2
    li t0, PLIC + 0x2000
    lw t1, 0(t0)
    bnez t1, f3
    li t0, UART
    lbu t1, 1(t0)
    bnez t1, f4
    csrr t1, mip
    bnez t1, f5                  /* nothing pending (mtimecmp no longer 0x1234) */
    csrr t1, mstatus
    li t2, 0x88
    and t1, t1, t2
    bnez t1, f6                  /* MIE/MPIE back to 0 */
    j pass

.data
word: .word 1
.section .rodata
msg1: .asciz "BOOT1\n"
msg2: .asciz "BOOT2\n"
