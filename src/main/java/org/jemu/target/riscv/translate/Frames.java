package org.jemu.target.riscv.translate;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.CodeElement;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.Instruction;
import java.lang.classfile.Label;
import java.lang.classfile.Opcode;
import java.lang.classfile.TypeKind;
import java.lang.classfile.attribute.StackMapFrameInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.ObjectVerificationTypeInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.SimpleVerificationTypeInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.VerificationTypeInfo;
import java.lang.classfile.attribute.StackMapTableAttribute;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.LabelTarget;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.ReturnInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.ThrowInstruction;
import java.lang.constant.ClassDesc;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes the StackMapTable of a translated unit's {@code exec(RiscvCpu, long)} itself, instead of the JDK's
 * StackMapGenerator (a data-flow analysis per unit that cost ~13 ms of translator CPU per unit plus seconds
 * of C2 time compiling the generator).
 *
 * <p>The invariant it relies on: the generated code stores every local it uses in a straight-line prologue
 * (before the first label or branch), each local always with one type, and every label is reached with an
 * empty operand stack. Then one frame — the parameters plus each stored local's type, empty stack — is
 * right at every branch target and after every unconditional transfer. The transform watches the code as
 * it is built and throws {@link Unsupported} when a store breaks the invariant; a frame that is still wrong
 * (a non-empty stack at a label) is caught by the JVM's verifier, and the translator then rebuilds the unit
 * with the JDK's generator.
 */
final class Frames implements CodeTransform {
    /** The unit breaks the invariant: build it with the JDK's generator. */
    static final class Unsupported extends RuntimeException {
        Unsupported(String why) { super(why, null, false, false); }
    }

    private final ClassDesc self, cpu;
    private final Map<Integer, ClassDesc> refTypes;
    /** Slot → type kind of every local stored (slots 0–3 are this, cpu, pc). */
    private final Map<Integer, TypeKind> locals = new HashMap<>();
    /** Labels bound at the same position as an earlier one → that one. */
    private final Map<Label, Label> alias = new HashMap<>();
    private final Set<Label> targets = new LinkedHashSet<>();
    private final Set<Label> needFrame = new LinkedHashSet<>();
    private Label lastLabel;          // label bound since the last instruction, if any
    private boolean prologue = true;  // no label or branch seen yet
    private boolean afterTransfer;    // the last instruction was goto/switch/return/throw

    Frames(ClassDesc self, ClassDesc cpu, Map<Integer, ClassDesc> refTypes) {
        this.self = self;
        this.cpu = cpu;
        this.refTypes = refTypes;
    }

    @Override
    public void accept(CodeBuilder b, CodeElement e) {
        if (e instanceof LabelTarget lt) {
            prologue = false;
            if (lastLabel != null) {
                alias.put(lt.label(), lastLabel);
            } else {
                lastLabel = lt.label();
            }
            if (afterTransfer) { needFrame.add(lastLabel); afterTransfer = false; }
            b.with(e);
            return;
        }
        if (e instanceof Instruction ins) {
            if (afterTransfer) {
                // code right after an unconditional transfer needs a frame even when nothing jumps to it
                Label l = b.newLabel();
                b.labelBinding(l);
                needFrame.add(l);
                afterTransfer = false;
            }
            lastLabel = null;
            switch (ins) {
                case StoreInstruction st -> store(st.slot(), st.typeKind());
                case IncrementInstruction inc -> {
                    if (locals.get(inc.slot()) != TypeKind.INT) throw new Unsupported("iinc of a non-int local");
                }
                case BranchInstruction br -> {
                    prologue = false;
                    targets.add(br.target());
                    afterTransfer = br.opcode() == Opcode.GOTO || br.opcode() == Opcode.GOTO_W;
                }
                case LookupSwitchInstruction sw -> switchTargets(sw.defaultTarget(), sw.cases());
                case TableSwitchInstruction sw -> switchTargets(sw.defaultTarget(), sw.cases());
                case ReturnInstruction r -> afterTransfer = true;
                case ThrowInstruction t -> afterTransfer = true;
                default -> {
                    if (ins.opcode() == Opcode.JSR || ins.opcode() == Opcode.RET) throw new Unsupported("jsr/ret");
                }
            }
        }
        b.with(e);
    }

    private void switchTargets(Label dflt, List<SwitchCase> cases) {
        prologue = false;
        targets.add(dflt);
        for (SwitchCase c : cases) targets.add(c.target());
        afterTransfer = true;
    }

    private void store(int slot, TypeKind kind) {
        if (slot < 4) throw new Unsupported("store to a parameter slot " + slot);
        TypeKind k = kind == TypeKind.BYTE || kind == TypeKind.SHORT || kind == TypeKind.CHAR || kind == TypeKind.BOOLEAN ? TypeKind.INT : kind;
        TypeKind old = locals.get(slot);
        if (old == null) {
            if (!prologue) throw new Unsupported("local " + slot + " first stored after the prologue");
            if (k == TypeKind.REFERENCE && !refTypes.containsKey(slot)) throw new Unsupported("reference local " + slot + " of unknown type");
            if (k.slotSize() == 2 && locals.containsKey(slot + 1) || locals.get(slot - 1) != null && locals.get(slot - 1).slotSize() == 2) {
                throw new Unsupported("overlapping locals at " + slot);
            }
            locals.put(slot, k);
        } else if (old != k) {
            throw new Unsupported("local " + slot + " stored as " + old + " and " + k);
        }
    }

    /** The StackMapTable: the uniform frame at every branch target and after every unconditional transfer. */
    StackMapTableAttribute table() {
        List<VerificationTypeInfo> vt = new ArrayList<>();
        vt.add(ObjectVerificationTypeInfo.of(self));
        vt.add(ObjectVerificationTypeInfo.of(cpu));
        vt.add(SimpleVerificationTypeInfo.LONG);
        int max = locals.keySet().stream().mapToInt(Integer::intValue).max().orElse(3);
        for (int s = 4; s <= max; s++) {
            TypeKind k = locals.get(s);
            if (k == null) { vt.add(SimpleVerificationTypeInfo.TOP); continue; }
            switch (k) {
                case INT -> vt.add(SimpleVerificationTypeInfo.INTEGER);
                case LONG -> { vt.add(SimpleVerificationTypeInfo.LONG); s++; }
                case FLOAT -> vt.add(SimpleVerificationTypeInfo.FLOAT);
                case DOUBLE -> { vt.add(SimpleVerificationTypeInfo.DOUBLE); s++; }
                case REFERENCE -> vt.add(ObjectVerificationTypeInfo.of(refTypes.get(s)));
                default -> throw new Unsupported("local of kind " + k);
            }
        }
        Set<Label> at = new LinkedHashSet<>();
        for (Label l : targets) at.add(alias.getOrDefault(l, l));
        for (Label l : needFrame) at.add(alias.getOrDefault(l, l));
        List<VerificationTypeInfo> frameLocals = List.copyOf(vt);
        List<StackMapFrameInfo> frames = new ArrayList<>(at.size());
        for (Label l : at) frames.add(StackMapFrameInfo.of(l, frameLocals, List.of()));
        return StackMapTableAttribute.of(frames);
    }
}
