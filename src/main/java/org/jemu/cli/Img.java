package org.jemu.cli;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.CacheMode;
import org.jemu.block.ImageCheck;
import org.jemu.block.qcow2.Qcow2Node;
import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * jemu-img: qemu-img's commands, options, messages, exit codes and output (human and --output=json).
 * Every error is one line "jemu-img: ..." on stderr and a non-zero exit, never a stack trace.
 */
public final class Img {
    static final String NAME = "jemu-img";
    static PrintStream out = System.out;
    static PrintStream err = System.err;

    /** A user-facing failure: message (already prefixed as QEMU would) and exit code. */
    static final class Fail extends RuntimeException {
        final int rc;
        Fail(String m, int rc) { super(m, null, false, false); this.rc = rc; }
        Fail(String m) { this(m, 1); }
    }

    private Img() {}

    /** Where output goes (tests run jemu-img in-process and capture it). */
    public static PrintStream out() { return out; }
    public static PrintStream err() { return err; }
    public static void redirect(PrintStream o, PrintStream e) { out = o; err = e; }

    public static void main(String[] args) {
        // every command but help/version opens a file: link the native calls while it parses and opens
        boolean train = args.length == 1 && args[0].equals("--jemu-train");
        if (train || args.length > 0 && !args[0].startsWith("-")) org.jemu.block.file.FileNode.preloadNative();
        int rc = train ? ImgTrain.run() : run(args);
        out.flush();
        err.flush();
        System.out.flush();   // anything printed around Img's streams too
        System.err.flush();
        // System.exit logs the call through System.Logger (JDK 21+), whose first use looks for a
        // LoggerFinder service on the class path: that opens and indexes every jar (Jackson, zstd-jni),
        // ~40 ms of interpreted code at the end of every command. Nothing is left to do at this point (the
        // images are closed, the output flushed, jemu-img registers no shutdown hooks), so the process
        // ends at once; the AOT training run exits normally (its cache is written at exit).
        if (train) System.exit(rc);
        Runtime.getRuntime().halt(rc);
    }

    public static int run(String[] args) {
        try {
            if (args.length == 0) throw usage("Not enough arguments");
            String cmd = args[0];
            return switch (cmd) {
                case "-h", "--help" -> { help(); yield 0; }
                case "-V", "--version" -> { out.println(NAME + " version 0.1.0 (jemu; command line and output of qemu-img 7.2)"); yield 0; }
                case "create" -> Commands.create(args);
                case "info" -> Commands.info(args);
                case "check" -> Commands.check(args);
                case "convert" -> Convert.run(args);
                case "snapshot" -> Commands.snapshot(args);
                case "resize" -> Commands.resize(args);
                case "commit" -> Commands.commit(args);
                case "rebase" -> Commands.rebase(args);
                case "compare" -> Commands.compare(args);
                case "map" -> Commands.map(args);
                case "measure" -> Commands.measure(args);
                case "amend" -> Commands.amend(args);
                case "dd" -> Commands.dd(args);
                case "bench" -> Bench.run(args);
                default -> throw usage("Command not found: " + cmd);
            };
        } catch (Fail f) {
            // QEMU's "Detected format of X." error ends without a newline
            if (f.getMessage().endsWith("\u0000")) err.print(NAME + ": " + f.getMessage().substring(0, f.getMessage().length() - 1));
            else if (!f.getMessage().isEmpty()) err.println(NAME + ": " + f.getMessage());
            return f.rc;
        } catch (Getopt.Error e) {
            err.println(NAME + ": " + e.getMessage());
            err.println("Try '" + NAME + " --help' for more information");
            return 1;
        } catch (OptionException | IOException e) {
            err.println(NAME + ": " + e.getMessage());
            return 1;
        } catch (OutOfMemoryError e) {
            err.println(NAME + ": out of memory");
            return 1;
        } catch (RuntimeException e) {
            err.println(NAME + ": internal error: " + e);
            return 1;
        }
    }

    static Fail usage(String msg) {
        return new Fail(msg + "\nTry '" + NAME + " --help' for more information", 1);
    }

    static void help() {
        out.println(NAME + " version 0.1.0 (jemu; command line and output of qemu-img 7.2)");
        out.println("usage: " + NAME + " [standard options] command [command options]");
        out.println("QEMU disk image utility (jemu)\n");
        out.println("Command syntax:");
        for (String s : List.of(
                "amend [-p] [-q] [-f fmt] [-t cache] [--force] -o options filename",
                "bench [-c count] [-d depth] [-f fmt] [--flush-interval=flush_interval] [-n] [--no-drain] [-o offset] [--pattern=pattern] [-q] [-s buffer_size] [-S step_size] [-t cache] [-w] [-U] filename",
                "check [-q] [-f fmt] [--output=ofmt] [-r [leaks | all]] [-T src_cache] [-U] filename",
                "commit [-q] [-f fmt] [-t cache] [-b base] [-d] [-p] filename",
                "compare [-f fmt] [-F fmt] [-T src_cache] [-p] [-q] [-s] [-U] filename1 filename2",
                "convert [-c] [-p] [-q] [-n] [-f fmt] [-t cache] [-T src_cache] [-O output_fmt] [-B backing_file [-F backing_fmt]] [-o options] [-l snapshot_param] [-S sparse_size] [-m num_coroutines] [-W] filename [filename2 [...]] output_filename",
                "create [-q] [-f fmt] [-b backing_file [-F backing_fmt]] [-u] [-o options] filename [size]",
                "dd [-f fmt] [-O output_fmt] [bs=block_size] [count=blocks] [skip=blocks] if=input of=output",
                "info [-f fmt] [--output=ofmt] [--backing-chain] [-U] filename",
                "map [--output=ofmt] [-f fmt] [--start-offset=offset] [--max-length=len] [-U] filename",
                "measure [--output=ofmt] [-O output_fmt] [-o options] [--size N | [-f fmt] filename]",
                "snapshot [-q] [-l | -a snapshot | -c snapshot | -d snapshot] [-U] filename",
                "rebase [-q] [-f fmt] [-t cache] [-T src_cache] [-p] [-u] -b backing_file [-F backing_fmt] filename",
                "resize [-f fmt] [-q] [--shrink] filename [+ | -]size")) out.println("  " + s);
        out.println("\nSupported formats: " + String.join(" ", BlockDrivers.names()));
    }

    // --------------------------------------------------------------------------------------------
    // shared helpers

    /** QEMU's size_to_str: three significant digits and a binary suffix ("1.23 GiB", "0 B"). */
    static String humanSize(long val) {
        String[] suffixes = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
        double x = Long.compareUnsigned(val, 0) >= 0 && val >= 0 ? (double) val : Math.pow(2, 64) + val;
        int i;
        double y = x / (1000.0 / 1024.0);
        if (y == 0) i = 0;
        else i = Math.getExponent(y) + 1;
        i = (i - 1) / 10;
        if (i < 0) i = 0;
        if (i > 6) i = 6;
        double div = Math.pow(2, i * 10);
        return g3(x / div) + " " + suffixes[i] + "B";
    }

    /** printf("%0.3g") */
    static String g3(double v) {
        if (v == 0) return "0";
        java.math.BigDecimal bd = new java.math.BigDecimal(v).round(new java.math.MathContext(3, java.math.RoundingMode.HALF_EVEN));
        int exp = bd.precision() - bd.scale() - 1;
        if (exp < -4 || exp >= 3) {
            String m = bd.movePointLeft(exp).stripTrailingZeros().toPlainString();
            return m + "e" + (exp < 0 ? "-" : "+") + String.format("%02d", Math.abs(exp));
        }
        String s = bd.stripTrailingZeros().toPlainString();
        return s;
    }

    /** qemu-img's size argument (qemu_strtosz with suffixes); null when invalid. */
    static Long parseSize(String s) {
        try {
            return org.jemu.util.Sizes.parse(s, "size");
        } catch (OptionException e) {
            return null;
        }
    }

    static final String SIZE_ERROR = "Invalid image size specified. You may use k, M, G, T, P or E suffixes for\n"
            + NAME + ": kilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.";

    /** Opens an image for a command; errors read "Could not open 'F': <reason>". */
    static BlockNode open(String filename, String fmt, boolean readOnly, BlockDrivers.Options o) {
        try {
            if (fmt != null) BlockDrivers.require(fmt);
        } catch (BlockException e) {
            throw new Fail("Could not open '" + filename + "': Unknown driver '" + fmt + "'");
        }
        try {
            return BlockDrivers.open(filename, fmt, readOnly, o);
        } catch (IOException e) {
            throw new Fail("Could not open '" + filename + "': " + e.getMessage());
        }
    }

    static CacheMode cache(String s) {
        try {
            return CacheMode.parse(s);
        } catch (BlockException e) {
            throw new Fail("Invalid cache option: " + s);
        }
    }

    static String outputFormat(String v) {
        if (v == null || v.equals("human")) return "human";
        if (v.equals("json")) return "json";
        throw new Fail("--output must be used with human or json as argument.");
    }

    /** Full path of a backing file as QEMU's path_combine computes it. */
    static String fullBacking(String image, String backing) {
        if (backing.startsWith("/")) return backing;
        int slash = image.lastIndexOf('/');
        return slash < 0 ? backing : image.substring(0, slash + 1) + backing;
    }

    static Map<String, Object> lmap() { return new LinkedHashMap<>(); }

    /** -o help / create option listing. */
    static void printCreateOptions(BlockDriver d) {
        out.println("Supported " + d.name() + " options:");
        for (BlockDriver.CreateOption o : d.createOptions()) {
            out.println(String.format("  %-22s - %s", o.name() + "=<" + o.type() + ">", o.help()));
        }
        out.println("\nThe protocol level may support further options.");
        out.println("Specify the target filename to include those options.");
    }

    static boolean isHelp(String o) {
        if (o == null) return false;
        for (String p : o.split(",")) if (p.equals("help") || p.equals("?")) return true;
        return false;
    }

    static QemuOpts parseO(List<String> os) {
        if (os.isEmpty()) return QemuOpts.parse("create", "", null);
        return QemuOpts.parse("create", String.join(",", os), null);
    }

    /** Reads the whole of a guest range through a node into a heap buffer. */
    static byte[] readAll(BlockNode n, long off, int len) throws IOException {
        byte[] b = new byte[len];
        n.read(off, ByteBuffer.wrap(b));
        return b;
    }

    static boolean isZero(byte[] b, int from, int to) {
        int i = from;
        for (; i + 8 <= to; i += 8) if ((long) LONGS.get(b, i) != 0) return false;
        for (; i < to; i++) if (b[i] != 0) return false;
        return true;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    static void closeQuietly(BlockNode n) {
        if (n == null) return;
        try { n.close(); } catch (IOException e) { err.println(NAME + ": error while closing: " + e.getMessage()); }
    }

    static Path path(String s) { return Path.of(s); }
    static boolean exists(String s) { return Files.exists(Path.of(s)); }

    static BlockStatus status(BlockNode n, long off, long len) throws IOException {
        return n.blockStatus(off, len);
    }

    static Qcow2Node qcow2(BlockNode n, String op) {
        if (n instanceof Qcow2Node q) return q;
        throw new Fail("This operation (" + op + ") is not supported by the '" + n.formatName() + "' format");
    }
}
