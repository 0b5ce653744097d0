package org.jemu.tcg;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Objects a generated class refers to as constants: they travel as the hidden class's class data and are
 * loaded with {@code ldc} of a dynamic constant ({@link MethodHandles#classDataAt}), which C2 treats as a
 * true constant (folding array references, segment bases and so on).
 */
public final class ClassData {
    private static final DirectMethodHandleDesc CLASS_DATA_AT = MethodHandleDesc.ofMethod(
            DirectMethodHandleDesc.Kind.STATIC, ClassDesc.of("java.lang.invoke.MethodHandles"), "classDataAt",
            MethodTypeDesc.of(ConstantDescs.CD_Object, ConstantDescs.CD_MethodHandles_Lookup, ConstantDescs.CD_String,
                    ConstantDescs.CD_Class, ConstantDescs.CD_int));

    private final List<Object> values = new ArrayList<>();
    private final Map<Object, DynamicConstantDesc<?>> descs = new IdentityHashMap<>();

    /** The loadable constant for {@code value} (typed as {@code type}). */
    public DynamicConstantDesc<?> constant(Object value, ClassDesc type) {
        return descs.computeIfAbsent(value, v -> {
            int idx = values.size();
            values.add(v);
            return DynamicConstantDesc.ofNamed(CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME, type, idx);
        });
    }

    public List<Object> values() { return List.copyOf(values); }

    private final List<Label> bound = new ArrayList<>();

    /**
     * Binds {@code label} here and records it: generated code whose labels are all bound through this method
     * (with an empty operand stack and the unit's fixed local types) gets its stack map frames written by the
     * translator; a label bound otherwise makes the unit fail verification and fall back to the JDK's frame
     * generator.
     */
    public void bind(CodeBuilder cb, Label label) {
        cb.labelBinding(label);
        bound.add(label);
    }

    /** The labels bound through {@link #bind}, in order. */
    public List<Label> boundLabels() { return bound; }
}
