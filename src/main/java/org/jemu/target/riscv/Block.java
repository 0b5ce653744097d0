package org.jemu.target.riscv;

/**
 * A predecoded straight-line block: two ints per instruction, {@code code[2k]} = operation word
 * (bits 8:0 the {@link Insn} ordinal, bit 9 set for a 2-byte (compressed) instruction, bits 15:10 rd
 * (32 = the x0 write sink), 20:16 rs1, 25:21 rs2, 30:26 rs3; bit 31 marks the end-of-block fall-through
 * entry) and {@code code[2k+1]} = the immediate (or rm for FP operations); the immediates of auipc, jal and the branches are relative to {@link #pc}, not to
 * the instruction.
 */
final class Block {
    static final int MAX_INSNS = 64;
    /** Op of the end-of-block entry (fall through to {@link #endPc}); above every {@link Insn} ordinal. */
    static final int END_OP = 255;
    static final int END = 0x80000000 | END_OP;

    final long pc;
    /** Address after the last instruction. */
    final long endPc;
    final int[] code;
    /** Each entry's offset from {@link #pc} (exec keeps no running pc; it computes one on traps and exits). */
    final short[] offs;
    /** Number of guest instructions. */
    final int n;
    /** The translation context the block was decoded in ({@link RiscvCpu#codeCtx}; system mode). */
    long ctx;
    /** Times the interpreter ran the block (system mode's translator picks hot blocks by it). */
    int heat;

    Block(long pc, long endPc, int[] code, short[] offs, int n) {
        this.pc = pc;
        this.endPc = endPc;
        this.code = code;
        this.offs = offs;
        this.n = n;
    }
}
