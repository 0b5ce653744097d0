package org.jemu.target.riscv.translate;

import org.jemu.target.riscv.Alu;
import org.jemu.target.riscv.Insn;
import org.junit.jupiter.api.Test;

import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.Random;

import static java.lang.constant.ConstantDescs.CD_long;
import static org.junit.jupiter.api.Assertions.*;

/** The copies of Alu's straight-line functions compute what the functions compute. */
class AluBodiesTest {
    static final MethodTypeDesc JJ_J = MethodTypeDesc.of(CD_long, CD_long, CD_long);
    static final MethodTypeDesc J_J = MethodTypeDesc.of(CD_long, CD_long);

    @Test
    void straightLineFunctionsAreCopiedOthersCalled() {
        for (String fn : new String[]{"add", "addw", "sllw", "srlw", "sraw", "xor", "sh2add", "ror", "mulw"}) {
            assertTrue(AluBodies.copied(fn, JJ_J), fn);
        }
        assertTrue(AluBodies.copied("sextB", J_J));
        // branches (a ternary) or locals of its own: called
        assertFalse(AluBodies.copied("slt", JJ_J));
        assertFalse(AluBodies.copied("div", JJ_J));
        assertFalse(AluBodies.copied("orcB", J_J));
        assertFalse(AluBodies.copied("beq", MethodTypeDesc.of(ConstantDescs.CD_boolean, CD_long, CD_long)));
    }

    /** Every integer row's function, copied (or called) into a fresh method, against a call of Alu's own. */
    @Test
    void copiesAgreeWithTheFunctions() throws Throwable {
        Random rnd = new Random(7);
        long[] special = {0, 1, -1, 31, 32, 63, 64, Long.MIN_VALUE, Long.MAX_VALUE, 0x80000000L, 0x7fffffffL, 0xffffffffL};
        int checked = 0;
        for (Insn in : Insn.values()) {
            if (in.fn == null || in.isBranch()) continue;
            boolean unary = in.fmt == Insn.Fmt.R1;
            MethodTypeDesc mt = unary ? J_J : JJ_J;
            MethodHandle copy = compile(in.fn, mt, unary);
            MethodHandle ref = MethodHandles.lookup().findStatic(Alu.class, in.fn,
                    unary ? MethodType.methodType(long.class, long.class) : MethodType.methodType(long.class, long.class, long.class));
            for (int k = 0; k < 400; k++) {
                long a = k < special.length ? special[k] : rnd.nextLong();
                long b = k < special.length ? special[(k * 5) % special.length] : (rnd.nextBoolean() ? rnd.nextLong() : rnd.nextInt(70));
                long want = unary ? (long) ref.invokeExact(a) : (long) ref.invokeExact(a, b);
                long got = unary ? (long) copy.invokeExact(a) : (long) copy.invokeExact(a, b);
                assertEquals(want, got, in + " " + a + " " + b);
            }
            checked++;
        }
        assertTrue(checked > 40, "integer rows checked: " + checked);
    }

    /** A hidden class whose static f(a[, b]) is AluBodies.emit of the operands in locals 0 and 2. */
    private static MethodHandle compile(String fn, MethodTypeDesc mt, boolean unary) throws Throwable {
        ClassDesc self = ClassDesc.of(AluBodiesTest.class.getPackageName() + ".AluCopy_" + fn);
        byte[] bytes = ClassFile.of().build(self, clb -> clb.withMethodBody("f", mt, ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, cb -> {
            if (unary) AluBodies.emit(cb, fn, mt, () -> cb.lload(0));
            else AluBodies.emit(cb, fn, mt, () -> cb.lload(0), () -> cb.lload(2));
            cb.lreturn();
        }));
        MethodHandles.Lookup lk = MethodHandles.lookup().defineHiddenClass(bytes, true);
        return lk.findStatic(lk.lookupClass(), "f", MethodType.fromMethodDescriptorString(mt.descriptorString(), null));
    }
}
