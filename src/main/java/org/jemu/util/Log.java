package org.jemu.util;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.util.EnumSet;
import java.util.Set;

/**
 * QEMU's {@code -d item,item} debug log and {@code -D file} destination. Checks are a single static
 * field read ({@link #on}), so disabled logging costs nothing on hot paths.
 */
public final class Log {
    public enum Item {
        IN_ASM("in_asm", "show target assembly code for each compiled TB"),
        OUT_ASM("out_asm", "show generated host (JVM bytecode) for each compiled TB"),
        OP("op", "show micro ops (IR) for each compiled TB"),
        INT("int", "show interrupts/exceptions in short format"),
        EXEC("exec", "show trace before each executed TB (lots of logs)"),
        CPU("cpu", "show CPU registers before entering a TB (lots of logs)"),
        UNIMP("unimp", "log unimplemented functionality"),
        GUEST_ERRORS("guest_errors", "log when the guest OS does something invalid (eg accessing a non-existent register)"),
        PAGE("page", "dump pages at beginning of user mode emulation"),
        STRACE("strace", "log every user-mode syscall, its input, and its result"),
        MMU("mmu", "log MMU-related activities"),
        TB_STATS("tb_stats", "print translation-cache statistics at exit");

        public final String qemuName;
        public final String help;
        Item(String n, String h) { qemuName = n; help = h; }
    }

    private static final boolean[] enabled = new boolean[Item.values().length];
    private static volatile PrintStream out = System.err;

    private Log() {}

    public static boolean on(Item i) { return enabled[i.ordinal()]; }

    public static Set<Item> enabledItems() {
        EnumSet<Item> s = EnumSet.noneOf(Item.class);
        for (Item i : Item.values()) if (enabled[i.ordinal()]) s.add(i);
        return s;
    }

    /** Parses {@code -d} (comma list; "help" prints the list). Unknown items are an error naming them. */
    public static void enable(String list) {
        for (String w : list.split(",")) {
            if (w.isEmpty()) continue;
            if (w.equals("help")) {
                System.out.println("Log items (comma separated):");
                for (Item i : Item.values()) System.out.printf("%-12s %s%n", i.qemuName, i.help);
                System.exit(0);
            }
            Item found = null;
            for (Item i : Item.values()) if (i.qemuName.equals(w)) found = i;
            if (found == null) throw new OptionException("Log items (comma separated):\nunknown log item '" + w + "' (try -d help)");
            enabled[found.ordinal()] = true;
        }
    }

    /** {@code -D file}: log to a file instead of stderr. */
    public static void toFile(String path) { toFile(path, false); }

    /** Log to a file, appending when {@code append} (a forked user-mode child continues its parent's log). */
    public static void toFile(String path, boolean append) {
        try {
            out = new PrintStream(new FileOutputStream(path, append), true);
        } catch (IOException e) {
            throw new OptionException("could not open log file '" + path + "': " + e.getMessage());
        }
    }

    public static PrintStream out() { return out; }

    public static void log(String s) { out.println(s); }

    public static void logf(String fmt, Object... args) { out.printf(fmt, args); }
}
