package org.jemu.cli;

import org.jemu.linuxuser.Fork;
import org.jemu.linuxuser.LinuxUserException;
import org.jemu.linuxuser.Options;
import org.jemu.linuxuser.RiscvHart;
import org.jemu.linuxuser.UserMode;
import org.jemu.util.Log;
import org.jemu.util.OptionException;
import org.jemu.util.Sizes;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code jemu-riscv64 [options] program [arguments...]}: QEMU's linux-user for riscv64 guests, with
 * qemu-riscv64's options and QEMU_* environment variables.
 */
public final class UserRiscv64 {
    private UserRiscv64() {}

    static final String[] CPUS = {"any", "max", "rv64"};

    private static final String[][] OPTS = {
        // name, env, arg, help
        {"h", "", "", "print this help"},
        {"help", "", "", ""},
        {"g", "QEMU_GDB", "port", "wait gdb connection to 'port' (not supported yet)"},
        {"L", "QEMU_LD_PREFIX", "path", "set the elf interpreter prefix to 'path'"},
        {"s", "QEMU_STACK_SIZE", "size", "set the stack size to 'size' bytes"},
        {"cpu", "QEMU_CPU", "model", "select CPU (-cpu help for list)"},
        {"E", "QEMU_SET_ENV", "var=value", "sets targets environment variable (see below)"},
        {"U", "QEMU_UNSET_ENV", "var", "unsets targets environment variable (see below)"},
        {"0", "QEMU_ARGV0", "argv0", "forces target process argv[0] to be 'argv0'"},
        {"r", "QEMU_UNAME", "uname", "set qemu uname release string to 'uname'"},
        {"B", "QEMU_GUEST_BASE", "address", "set guest_base address to 'address'"},
        {"R", "QEMU_RESERVED_VA", "size", "reserve 'size' bytes for guest virtual address space (not supported yet)"},
        {"d", "QEMU_LOG", "item[,...]", "enable logging of specified items (use '-d help' for a list of items)"},
        {"dfilter", "QEMU_DFILTER", "range[,...]", "filter logging based on address range (not supported yet)"},
        {"D", "QEMU_LOG_FILENAME", "logfile", "write logs to 'logfile' (default stderr)"},
        {"p", "QEMU_PAGESIZE", "pagesize", "set the host page size to 'pagesize' (only 4096)"},
        {"singlestep", "QEMU_SINGLESTEP", "", "run in singlestep mode (not supported yet)"},
        {"strace", "QEMU_STRACE", "", "log system calls"},
        {"accel", "QEMU_ACCEL", "tcg[,thresh=N|all|off]", "jemu: translate a block to JVM bytecode after N entries (default 50; 'all' = always, 'off' = interpreter only)"},
        {"seed", "QEMU_RAND_SEED", "", "Seed for pseudo-random number generator (not supported yet)"},
        {"trace", "QEMU_TRACE", "", "[[enable=]<pattern>][,events=<file>][,file=<file>] (not supported yet)"},
        {"plugin", "QEMU_PLUGIN", "", "[file=]<file>[,<argname>=<argvalue>] (not supported yet)"},
        {"version", "QEMU_VERSION", "", "display version information and exit"},
    };

    private static boolean takesArg(String name) {
        for (String[] o : OPTS) if (o[0].equals(name)) return !o[2].isEmpty() || name.equals("seed") || name.equals("trace") || name.equals("plugin");
        return false;
    }

    private static boolean known(String name) {
        for (String[] o : OPTS) if (o[0].equals(name)) return true;
        return false;
    }

    public static void main(String[] args) {
        try {
            if (args.length == 3 && args[0].equals(Fork.CHILD_OPTION)) {
                Fork.runChild(Integer.parseInt(args[1]), args[2], RiscvHart::new);
                return;
            }
            if (args.length == 1 && args[0].equals("--jemu-train")) {
                org.jemu.linuxuser.Train.run(RiscvHart::new);
                return;
            }
            run(args);
        } catch (OptionException e) {
            System.err.println("jemu: " + e.getMessage());
            System.exit(1);
        } catch (LinuxUserException e) {
            System.err.println("jemu-riscv64: " + e.getMessage());
            System.exit(e.exitStatus);
        } catch (Exception | Error e) {
            System.err.println("jemu-riscv64: internal error: " + e);
            if (System.getenv("JEMU_DEBUG") != null) e.printStackTrace();
            System.exit(255);
        }
    }

    static void run(String[] args) {
        Options o = new Options();
        String argv0 = null;
        Map<String, String> setEnv = new LinkedHashMap<>();
        List<String> unsetEnv = new ArrayList<>();
        // the environment first, then the command line (which wins)
        Map<String, String> env = System.getenv();
        for (String[] opt : OPTS) {
            String v = opt[1].isEmpty() ? null : env.get(opt[1]);
            if (v != null) {
                argv0 = apply(o, opt[0], v, setEnv, unsetEnv, argv0);
            }
        }
        int i = 0;
        while (i < args.length) {
            String a = args[i];
            if (!a.startsWith("-")) break;
            i++;
            String r = a.substring(1);
            if (r.startsWith("-")) r = r.substring(1);
            if (r.isEmpty()) break;
            if (!known(r)) throw new OptionException("unknown option '" + r + "'");
            String val = null;
            if (takesArg(r)) {
                if (i >= args.length) throw new OptionException("missing argument for option '" + r + "'");
                val = args[i++];
            }
            argv0 = apply(o, r, val, setEnv, unsetEnv, argv0);
        }
        if (i >= args.length) throw new OptionException("no user program specified");
        if (o.logItems != null) Log.enable(o.logItems);
        if (o.logFile != null) {
            // truncate once, then append: forked children keep writing to the same log
            Log.toFile(o.logFile);
            Log.toFile(o.logFile, true);
        }
        if (Log.on(Log.Item.STRACE)) o.strace = true;
        UserMode.releasePlaceholders(System.getenv("JEMU_PLACEHOLDER_FDS"));
        String program = args[i];
        List<byte[]> argv = new ArrayList<>();
        argv.add((argv0 != null ? argv0 : program).getBytes(StandardCharsets.UTF_8));
        for (int k = i + 1; k < args.length; k++) argv.add(args[k].getBytes(StandardCharsets.UTF_8));
        // the guest environment: ours, minus -U, plus -E
        List<String> envList = new ArrayList<>(UserMode.hostEnvironment());
        for (String u : unsetEnv) envList.removeIf(e -> e.equals(u) || e.startsWith(u + "="));
        for (var e : setEnv.entrySet()) {
            envList.removeIf(x -> x.startsWith(e.getKey() + "="));
            envList.add(e.getKey() + "=" + e.getValue());
        }
        List<byte[]> envp = new ArrayList<>();
        for (String e : envList) envp.add(e.getBytes(StandardCharsets.UTF_8));
        UserMode.run(o, program, argv, envp, RiscvHart::new);
    }

    private static String apply(Options o, String name, String val, Map<String, String> setEnv, List<String> unsetEnv, String argv0) {
        switch (name) {
            case "h", "help" -> { usage(); System.exit(0); }
            case "version" -> {
                System.out.println("jemu-riscv64 version 0.1.0 (QEMU 7.2 compatible linux-user)");
                System.out.println("Copyright (c) the jemu developers");
                System.exit(0);
            }
            case "L" -> o.ldPrefix = val;
            case "s" -> {
                long s = Sizes.parse(val, "stack size");
                if (s <= 0) throw new OptionException("Invalid stack size: " + val);
                o.stackSize = (s + 4095) & ~4095L;
            }
            case "cpu" -> {
                if (val.equals("help") || val.equals("?")) {
                    for (String c : CPUS) System.out.println(c);
                    System.exit(1);
                }
                boolean ok = false;
                for (String c : CPUS) if (c.equals(val)) ok = true;
                if (!ok) throw new OptionException("unable to find CPU model '" + val + "' (available: " + String.join(", ", CPUS) + ")");
                o.cpu = val;
            }
            case "E" -> {
                for (String kv : val.split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq <= 0) throw new OptionException("-E expects var=value, got '" + kv + "'");
                    setEnv.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            case "U" -> {
                for (String k : val.split(",")) { unsetEnv.add(k); setEnv.remove(k); }
            }
            case "0" -> { return val; }
            case "r" -> o.unameRelease = val;
            case "B" -> {
                try {
                    o.guestBase = Long.decode(val);
                } catch (NumberFormatException e) {
                    throw new OptionException("invalid guest base address '" + val + "'");
                }
                if ((o.guestBase & 0xfff) != 0) throw new OptionException("guest base 0x" + Long.toHexString(o.guestBase) + " is not page aligned");
            }
            case "d" -> o.logItems = o.logItems == null ? val : o.logItems + "," + val;
            case "D" -> o.logFile = val;
            case "p" -> {
                if (!val.equals("4096")) throw new OptionException("page size " + val + " is not supported (only 4096)");
            }
            case "strace" -> o.strace = true;
            case "accel" -> {
                org.jemu.tcg.TcgOptions.fromSystemProperties().withAccel(val); // validates now: errors name the option
                o.accel = val;
            }
            default -> throw new OptionException("option '-" + name + "' is not supported yet");
        }
        return argv0;
    }

    private static void usage() {
        StringBuilder sb = new StringBuilder();
        sb.append("usage: jemu-riscv64 [options] program [arguments...]\n");
        sb.append("Linux CPU emulator (compiled for riscv64 emulation)\n\n");
        sb.append("Options and associated environment variables:\n\n");
        sb.append(String.format("%-20s %-17s %s%n", "Argument", "Env-variable", "Description"));
        for (String[] o : OPTS) {
            sb.append(String.format("%-20s %-17s %s%n", "-" + o[0] + (o[2].isEmpty() ? "" : " " + o[2]), o[1], o[3]));
        }
        sb.append("\nDefaults:\nQEMU_LD_PREFIX  = (none)\nQEMU_STACK_SIZE = 8388608 byte\n\n");
        sb.append("You can use -E and -U options or the QEMU_SET_ENV and\n"
                + "QEMU_UNSET_ENV environment variables to set and unset\n"
                + "environment variables for the target process.\n"
                + "It is possible to provide several variables by separating them\n"
                + "by commas in getsubopt(3) style. Additionally it is possible to\n"
                + "provide the -E and -U options multiple times.\n");
        System.out.print(sb);
    }
}
