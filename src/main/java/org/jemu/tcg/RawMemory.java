package org.jemu.tcg;

import java.lang.classfile.ClassFile;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.TypeKind;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandles;

import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

/**
 * The accessors of {@link HostMemory} (same names and signatures), made of the JDK's internal {@code Unsafe}
 * — what the {@code java.lang.foreign} implementation itself ends in — for translated code only, whose
 * addresses the guest page-permission check has already validated.
 *
 * <p>Why: each FFM access is a ~30-method inline tree for HotSpot's C2 (session, bounds, alignment and
 * read-only checks, exception handlers). C2 folds it to one move, but must first parse it: a long unit's
 * accesses exhaust C2's per-compilation node budget for inlining (NodeCountInliningCutoff, a develop flag),
 * which leaves real calls in the hot code, and they cost C1 and C2 compile time. Here an access is one
 * intrinsic call.
 *
 * <p>{@code jdk.internal.misc} is exported to jemu only by the launchers' {@code --add-exports
 * java.base/jdk.internal.misc=ALL-UNNAMED}, and javac refuses that export with {@code --release}; so the
 * class is generated here (named {@code org.jemu.tcg.RawMemoryAccess}) when the export is present, and
 * translated code calls {@link HostMemory} when it is not (see {@link HostMemory#accessClass()}).
 */
final class RawMemory {
    private RawMemory() {}

    static final String NAME = "org.jemu.tcg.RawMemoryAccess";
    private static final ClassDesc CD_UNSAFE = ClassDesc.of("jdk.internal.misc.Unsafe");
    private static final ClassDesc CD_SELF = ClassDesc.of(NAME);

    /** Whether java.base exports jdk.internal.misc to this module (the launchers' --add-exports). */
    static boolean available() {
        return Object.class.getModule().isExported("jdk.internal.misc", RawMemory.class.getModule());
    }

    /** Defines {@code org.jemu.tcg.RawMemoryAccess} in this package (call once, when {@link #available()}). */
    static Class<?> define() throws IllegalAccessException {
        byte[] bytes = ClassFile.of().build(CD_SELF, clb -> {
            clb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            unsafeField(clb, CD_SELF);
            load(clb, "lb", "getByte", TypeKind.BYTE, 0);
            load(clb, "lbu", "getByte", TypeKind.BYTE, 0xffL);
            load(clb, "lh", "getShortUnaligned", TypeKind.SHORT, 0);
            load(clb, "lhu", "getShortUnaligned", TypeKind.SHORT, 0xffffL);
            load(clb, "lw", "getIntUnaligned", TypeKind.INT, 0);
            load(clb, "lwu", "getIntUnaligned", TypeKind.INT, 0xffffffffL);
            load(clb, "ld", "getLongUnaligned", TypeKind.LONG, 0);
            store(clb, "sb", "putByte", TypeKind.BYTE);
            store(clb, "sh", "putShortUnaligned", TypeKind.SHORT);
            store(clb, "sw", "putIntUnaligned", TypeKind.INT);
            store(clb, "sd", "putLongUnaligned", TypeKind.LONG);
        });
        Class<?> c = MethodHandles.lookup().defineClass(bytes);
        MethodHandles.lookup().ensureInitialized(c);   // links jdk.internal.misc.Unsafe now, not in a unit
        return c;
    }

    static final String HOST_ACCESS_NAME = "org.jemu.tcg.RawHostAccess";

    /**
     * Defines {@code org.jemu.tcg.RawHostAccess}, a {@link HostAccess} whose methods are one {@code Unsafe}
     * access each in the host's byte order (little-endian hosts only), and returns its instance.
     */
    static HostAccess defineHostAccess() throws ReflectiveOperationException {
        ClassDesc self = ClassDesc.of(HOST_ACCESS_NAME);
        byte[] bytes = ClassFile.of().build(self, clb -> {
            clb.withFlags(ClassFile.ACC_PUBLIC | ClassFile.ACC_FINAL | ClassFile.ACC_SUPER);
            clb.withInterfaceSymbols(ClassDesc.of(HostAccess.class.getName()));
            unsafeField(clb, self);
            clb.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC, cb -> cb
                    .aload(0).invokespecial(ConstantDescs.CD_Object, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void).return_());
            for (TypeKind t : new TypeKind[] {TypeKind.BYTE, TypeKind.SHORT, TypeKind.INT, TypeKind.LONG}) {
                String n = switch (t) { case BYTE -> "Byte"; case SHORT -> "Short"; case INT -> "Int"; default -> "Long"; };
                String u = t == TypeKind.BYTE ? n : n + "Unaligned";
                clb.withMethodBody("get" + n, MethodTypeDesc.of(t.upperBound(), CD_long), ClassFile.ACC_PUBLIC, cb -> cb
                        .getstatic(self, "U", CD_UNSAFE).aconst_null().lload(1)
                        .invokevirtual(CD_UNSAFE, "get" + u, MethodTypeDesc.of(t.upperBound(), ConstantDescs.CD_Object, CD_long))
                        .return_(t));
                clb.withMethodBody("put" + n, MethodTypeDesc.of(CD_void, CD_long, t.upperBound()), ClassFile.ACC_PUBLIC, cb -> cb
                        .getstatic(self, "U", CD_UNSAFE).aconst_null().lload(1).loadLocal(t, 3)
                        .invokevirtual(CD_UNSAFE, "put" + u, MethodTypeDesc.of(CD_void, ConstantDescs.CD_Object, CD_long, t.upperBound()))
                        .return_());
            }
        });
        Class<?> c = MethodHandles.lookup().defineClass(bytes);
        return (HostAccess) c.getConstructor().newInstance();
    }

    /** {@code private static final Unsafe U = Unsafe.getUnsafe();} in the class being built ({@code self}). */
    private static void unsafeField(java.lang.classfile.ClassBuilder clb, ClassDesc self) {
        clb.withField("U", CD_UNSAFE, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC | ClassFile.ACC_FINAL);
        clb.withMethodBody(ConstantDescs.CLASS_INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_STATIC, cb -> cb
                .invokestatic(CD_UNSAFE, "getUnsafe", MethodTypeDesc.of(CD_UNSAFE))
                .putstatic(self, "U", CD_UNSAFE).return_());
    }

    /** {@code static long name(long a) { return (long) U.method(null, a) [& mask]; }} */
    private static void load(java.lang.classfile.ClassBuilder clb, String name, String method, TypeKind t, long mask) {
        clb.withMethodBody(name, MethodTypeDesc.of(CD_long, CD_long), ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, cb -> {
            access(cb);
            cb.invokevirtual(CD_UNSAFE, method, MethodTypeDesc.of(t.upperBound(), ConstantDescs.CD_Object, CD_long));
            if (t != TypeKind.LONG) cb.i2l();
            if (mask != 0) cb.loadConstant(mask).land();
            cb.lreturn();
        });
    }

    /** {@code static void name(long a, long v) { U.method(null, a, (type) v); }} */
    private static void store(java.lang.classfile.ClassBuilder clb, String name, String method, TypeKind t) {
        clb.withMethodBody(name, MethodTypeDesc.of(CD_void, CD_long, CD_long), ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC, cb -> {
            access(cb);
            cb.lload(2);
            switch (t) {
                case BYTE -> cb.l2i().i2b();
                case SHORT -> cb.l2i().i2s();
                case INT -> cb.l2i();
                default -> { }
            }
            cb.invokevirtual(CD_UNSAFE, method, MethodTypeDesc.of(CD_void, ConstantDescs.CD_Object, CD_long, t.upperBound()));
            cb.return_();
        });
    }

    private static void access(CodeBuilder cb) {
        cb.getstatic(CD_SELF, "U", CD_UNSAFE).aconst_null().lload(0);
    }
}
