/* Bare-metal test harness for jemu-system-riscv64 -M virt -bios none -kernel X.elf (also runs on QEMU).
 * Linked at 0x80000000; starts in M-mode with a0 = hartid, a1 = FDT.
 * Reserved registers: s8 (S-mode resume address), s9 (M-mode resume address), s10 (last trap cause),
 * s11 (last trap tval), t6 (scratch of the handlers).
 * M handler: ecall from S/U → resume at s9 in M-mode; interrupts → clear mie and return;
 *            fetch faults (1, 12) → resume at ra; other exceptions → skip the instruction (4 bytes).
 * S handler: ecall from U → resume at s8 in S-mode; interrupts → clear sie; exceptions → skip. */
#define UART 0x10000000
#define TESTDEV 0x100000
#define CLINT_MSIP 0x2000000
#define CLINT_MTIMECMP 0x2004000
#define CLINT_MTIME 0x200bff8
#define PLIC 0xc000000

.option norvc

.macro EXPECT reg, val, code
    li t6, \val
    beq \reg, t6, 9f
    li a0, \code
    j fail
9:
.endm

.macro EXPECT_CAUSE val, code
    EXPECT s10, \val, \code
.endm

/* Switch to privilege \mode (0 U, 1 S) at \label; an ecall there comes back to \back in M-mode. */
.macro GOTO_MODE mode, label, back
    la s9, \back
    li t0, 0x1800
    csrc mstatus, t0
    li t0, (\mode << 11)
    csrs mstatus, t0
    la t0, \label
    csrw mepc, t0
    mret
.endm

/* Sv39 page-table entry bits. */
#define PTE_V 1
#define PTE_R 2
#define PTE_W 4
#define PTE_X 8
#define PTE_U 0x10
#define PTE_A 0x40
#define PTE_D 0x80

/* PTE_SET: the entry at byte offset \off of the table in t0 points to page \label with \flags (uses t1). */
.macro PTE_SET off, label, flags
    la t1, \label
    srli t1, t1, 12
    slli t1, t1, 10
    ori t1, t1, \flags
    sd t1, \off(t0)
.endm

/* SV39_TABLES: fills the tables reserved by SV39_TABLE_SPACE — root[2] maps VA 0x80000000 to PA 0x80000000
 * as one RWX gigapage (this program and its data), root[0] → l1, l1[0] → l0 for the test's own 4 KiB pages
 * (VA 0 .. 2 MiB). Leaves t0 = l0. */
.macro SV39_TABLES
    la t0, root
    li t1, (0x80000000 >> 12) << 10 | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D
    sd t1, 16(t0)
    PTE_SET 0, l1, PTE_V
    la t0, l1
    PTE_SET 0, l0, PTE_V
    la t0, l0
.endm

/* SV39_ON: satp = Sv39 with the root table, then sfence.vma. */
.macro SV39_ON
    la t0, root
    srli t0, t0, 12
    li t1, 8
    slli t1, t1, 60
    or t0, t0, t1
    csrw satp, t0
    sfence.vma
.endm

/* SV39_TABLE_SPACE: the three page-aligned tables, in the program's .data. */
.macro SV39_TABLE_SPACE
.p2align 12
root: .space 4096
l1: .space 4096
l0: .space 4096
.endm

.section .text.startup
.globl _start
_start:
    la sp, stack_top
    la t0, mtrap
    csrw mtvec, t0
    /* PMP entry 15: everything RWX for S/U (without a matching entry their accesses fail) */
    li t0, -1
    csrw pmpaddr15, t0
    li t0, 0x1f
    slli t0, t0, 56
    csrw pmpcfg2, t0
    li s10, -1
    li s11, -1
    j main

.p2align 2
mtrap:
    csrr s10, mcause
    csrr s11, mtval
    bltz s10, 3f
    li t6, 8
    beq s10, t6, 1f
    li t6, 9
    beq s10, t6, 1f
    li t6, 12
    beq s10, t6, 2f
    li t6, 1
    beq s10, t6, 2f
    csrr t6, mepc
    addi t6, t6, 4
    csrw mepc, t6
    mret
1:  li t6, 0x1800
    csrs mstatus, t6
    csrw mepc, s9
    mret
2:  csrw mepc, ra
    mret
3:  csrw mie, zero
    mret

.p2align 2
strap:
    csrr s10, scause
    csrr s11, stval
    bltz s10, 3f
    li t6, 8
    beq s10, t6, 1f
    csrr t6, sepc
    addi t6, t6, 4
    csrw sepc, t6
    sret
1:  li t6, 0x100
    csrs sstatus, t6
    csrw sepc, s8
    sret
3:  csrw sie, zero
    sret

/* puts(a0): prints a NUL-terminated string on the UART (M-mode or bare S-mode). */
puts:
    li t0, UART
1:  lbu t1, 0(a0)
    beqz t1, 2f
    sb t1, 0(t0)
    addi a0, a0, 1
    j 1b
2:  ret

/* pass: prints "PASS\n" and powers off with status 0. */
pass:
    la a0, msg_pass
    call puts
    li t0, TESTDEV
    li t1, 0x5555
    sw t1, 0(t0)
1:  j 1b

/* f1 .. f9: fail with that check number. */
f1: li a0, 1
    j fail
f2: li a0, 2
    j fail
f3: li a0, 3
    j fail
f4: li a0, 4
    j fail
f5: li a0, 5
    j fail
f6: li a0, 6
    j fail
f7: li a0, 7
    j fail
f8: li a0, 8
    j fail
f9: li a0, 9
    j fail

/* fail(a0 = check number): prints "FAIL" and powers off with status a0 (sifive_test FAIL). */
fail:
    mv s0, a0
    la a0, msg_fail
    call puts
    li t0, TESTDEV
    slli t1, s0, 16
    li t2, 0x3333
    or t1, t1, t2
    sw t1, 0(t0)
1:  j 1b

.section .rodata
msg_pass: .asciz "PASS\n"
msg_fail: .asciz "FAIL\n"

.section .bss
.p2align 12
stack: .space 8192
stack_top:

.text
