package org.jemu.target.riscv.translate;

import org.jemu.target.riscv.Alu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.PseudoInstruction;
import java.lang.classfile.TypeKind;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.ConvertInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.OperatorInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StackInstruction;
import java.lang.constant.MethodTypeDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The bytecode of {@link Alu}'s straight-line functions, for the translator to copy into a unit instead of
 * calling them: the semantics stay defined once (in {@code Alu}, shared with the interpreter), but the unit
 * holds the operation itself. Why: HotSpot's C2 stops inlining in a method once parsing has created a fixed
 * number of nodes (NodeCountInliningCutoff, not settable in product builds); the guest memory accesses of a
 * long unit use most of that, and every call left after the cutoff is a real call in the hot code — all live
 * values spilled around it. A copied body creates no call at all.
 *
 * <p>A function is copied only when its code is one straight run of loads of its parameters, constants,
 * arithmetic, conversions, stack operations and static calls into {@code java.lang} (intrinsics such as
 * {@code Long.rotateRight}), ending in its only return: no branches, no locals of its own. Each load of a
 * parameter becomes the caller's operand expression (a local or a constant, so evaluating it again is free of
 * effects). Anything else is called as before.
 */
final class AluBodies {
    private AluBodies() {}

    private static final Map<String, List<Instruction>> BODIES = load();

    private static Map<String, List<Instruction>> load() {
        ClassModel cm;
        try (InputStream in = Alu.class.getResourceAsStream("Alu.class")) {
            if (in == null) return Map.of();
            cm = ClassFile.of().parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, List<Instruction>> m = new HashMap<>();
        for (MethodModel mm : cm.methods()) {
            if ((mm.flags().flagsMask() & ClassFile.ACC_STATIC) == 0) continue;
            MethodTypeDesc mt = mm.methodTypeSymbol();
            List<Instruction> body = mm.code().map(c -> straightLine(c.elementList(), mt)).orElse(null);
            if (body != null) m.put(mm.methodName().stringValue() + mt.descriptorString(), body);
        }
        return Map.copyOf(m);
    }

    /** The instructions without the final return, or null when the code is not a straight run (see class doc). */
    static List<Instruction> straightLine(List<CodeElement> code, MethodTypeDesc mt) {
        int params = 0;
        for (var p : mt.parameterList()) {
            if (!p.descriptorString().equals("J")) return null;
            params++;
        }
        List<Instruction> out = new ArrayList<>();
        boolean returned = false;
        for (CodeElement e : code) {
            if (e instanceof PseudoInstruction) continue;   // line numbers, local variable names, labels (none targeted: no branches allowed)
            if (returned || !(e instanceof Instruction i)) return null;
            switch (i) {
                case ReturnInstruction r -> returned = true;
                case LoadInstruction l -> {
                    if (l.typeKind() != TypeKind.LONG || l.slot() % 2 != 0 || l.slot() / 2 >= params) return null;
                    out.add(l);
                }
                case ConstantInstruction c -> out.add(c);
                case OperatorInstruction o -> out.add(o);
                case ConvertInstruction c -> out.add(c);
                case StackInstruction s -> out.add(s);
                case InvokeInstruction inv -> {
                    if (inv.opcode() != java.lang.classfile.Opcode.INVOKESTATIC
                            || !inv.owner().asInternalName().startsWith("java/lang/")) return null;
                    out.add(inv);
                }
                default -> { return null; }
            }
        }
        return returned ? out : null;
    }

    /**
     * Emits {@code Alu.name} applied to {@code args} (each pushes one long operand): the function's own code
     * with its parameter loads replaced by the operands when it is straight-line, else the operands and a call.
     */
    static void emit(CodeBuilder cb, String name, MethodTypeDesc mt, Runnable... args) {
        List<Instruction> body = BODIES.get(name + mt.descriptorString());
        if (body == null) {
            for (Runnable a : args) a.run();
            cb.invokestatic(CD_ALU, name, mt);
            return;
        }
        for (Instruction i : body) {
            if (i instanceof LoadInstruction l) args[l.slot() / 2].run();
            else cb.with(i);
        }
    }

    /** Whether {@code Alu.name} with that type is copied rather than called (tests). */
    static boolean copied(String name, MethodTypeDesc mt) { return BODIES.containsKey(name + mt.descriptorString()); }

    private static final java.lang.constant.ClassDesc CD_ALU = java.lang.constant.ClassDesc.of(Alu.class.getName());
}
