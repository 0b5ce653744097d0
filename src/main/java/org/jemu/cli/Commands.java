package org.jemu.cli;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.ImageCheck;
import org.jemu.block.qcow2.QCowSnapshotHeader;
import org.jemu.block.qcow2.Qcow2Node;
import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.jemu.cli.Img.*;

/** The qemu-img commands other than convert and bench. */
final class Commands {
    private Commands() {}

    // ------------------------------------------------------------------------------------------ create

    static int create(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "F:b:f:ho:qu", Map.of("help", false, "object", true));
        String fmt = "raw", base = null, baseFmt = null;
        List<String> os = new ArrayList<>();
        boolean quiet = false, unsafe = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "F" -> baseFmt = o.arg();
            case "b" -> base = o.arg();
            case "f" -> fmt = o.arg();
            case "o" -> os.add(o.arg());
            case "q" -> quiet = true;
            case "u" -> unsafe = true;
            case "h", "help" -> { help(); return 0; }
            case "object" -> throw new Fail("--object is not supported by jemu-img");
            default -> { }
        }
        BlockDriver d = BlockDrivers.find(fmt);
        if (os.stream().anyMatch(Img::isHelp)) {
            if (d == null) throw new Fail("Unknown file format '" + fmt + "'");
            printCreateOptions(d);
            return 0;
        }
        if (g.args.isEmpty()) throw usage("Expecting image file name");
        String filename = g.args.get(0);
        if (g.args.size() > 2) throw usage("Unexpected argument: " + g.args.get(2));
        Long size = null;
        if (g.args.size() == 2) {
            size = parseSize(g.args.get(1));
            if (size == null) throw new Fail(SIZE_ERROR);
        }
        if (d == null) throw new Fail(filename + ": Unknown file format '" + fmt + "'");
        QemuOpts opts;
        try {
            opts = parseO(os);
        } catch (OptionException e) {
            throw new Fail(filename + ": " + e.getMessage());
        }
        if (opts.has("size")) {
            Long s2 = parseSize(opts.take("size", null));
            if (s2 == null) throw new Fail(filename + ": Parameter 'size' expects a non-negative number below 2^64");
            if (size == null) size = s2;
        }
        if (base != null) {
            if (opts.has("backing_file")) throw new Fail(filename + ": Parameter 'backing_file' given more than once");
            opts = QemuOpts.parse("create", joinOpts(opts, "backing_file", base), null);
        }
        if (baseFmt != null) opts = QemuOpts.parse("create", joinOpts(opts, "backing_fmt", baseFmt), null);
        String bf = opts.peek("backing_file");
        if (bf != null) {
            String bfmt = opts.peek("backing_fmt");
            if (!fmt.equals("qcow2") && BlockDrivers.find(fmt) != null && d.createOptions().stream().noneMatch(c -> c.name().equals("backing_file"))) {
                throw new Fail(filename + ": Backing file not supported for file format '" + fmt + "'");
            }
            // the backing file must open, its format must be named, its size is the default size
            String full = fullBacking(filename, bf);
            BlockNode b = null;
            try {
                b = BlockDrivers.open(full, bfmt, true, BlockDrivers.Options.DEFAULT);
            } catch (IOException e) {
                if (!unsafe) throw new Fail(filename + ": " + e.getMessage().replace("Could not open backing file: ", "") + "\nCould not open backing image.");
            }
            try {
                if (bfmt == null) {
                    String det = b != null ? b.formatName() : "raw";
                    throw new Fail(filename + ": Backing file specified without backing format\nDetected format of " + det + ".\u0000");
                }
                if (size == null) {
                    if (b == null) throw new Fail(filename + ": Image creation needs a size parameter");
                    size = b.size();
                }
            } finally {
                closeQuietly(b);
            }
        }
        if (size == null) throw new Fail(filename + ": Image creation needs a size parameter");
        if (size < 0) throw new Fail("Image size must be less than 8 EiB!");
        for (String k : opts.asMap().keySet()) {
            boolean known = d.createOptions().stream().anyMatch(c -> c.name().equals(k))
                    || (fmt.equals("qcow2") && (k.startsWith("encrypt") || k.startsWith("data_file")));
            if (!known) throw new Fail(filename + ": Invalid parameter '" + k + "'");
        }
        if (!quiet) out.println("Formatting '" + filename + "', fmt=" + fmt + " " + formattingOptions(fmt, opts, size));
        try {
            BlockDrivers.create(filename, fmt, size, opts);
        } catch (BlockException e) {
            throw new Fail(filename + ": " + e.getMessage());
        }
        return 0;
    }

    static String joinOpts(QemuOpts o, String k, String v) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, String> e : o.asMap().entrySet()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(e.getKey()).append('=').append(e.getValue().replace(",", ",,"));
        }
        if (sb.length() > 0) sb.append(',');
        sb.append(k).append('=').append(v.replace(",", ",,"));
        return sb.toString();
    }

    /** The option list qemu-img prints after "Formatting ..." (defaults included, in QEMU's order). */
    static String formattingOptions(String fmt, QemuOpts o, long size) {
        Map<String, String> m = o.asMap();
        List<String> parts = new ArrayList<>();
        if (fmt.equals("qcow2")) {
            String cs = m.getOrDefault("cluster_size", "65536");
            Long csv = parseSize(cs);
            parts.add("cluster_size=" + (csv != null ? csv : cs));
            parts.add("extended_l2=" + m.getOrDefault("extended_l2", "off"));
            if (m.containsKey("preallocation")) parts.add("preallocation=" + m.get("preallocation"));
            parts.add("compression_type=" + m.getOrDefault("compression_type", "zlib"));
            parts.add("size=" + size);
            if (m.containsKey("compat")) parts.add("compat=" + m.get("compat"));
            if (m.containsKey("backing_file")) parts.add("backing_file=" + m.get("backing_file"));
            if (m.containsKey("backing_fmt")) parts.add("backing_fmt=" + m.get("backing_fmt"));
            if (m.containsKey("data_file")) parts.add("data_file=" + m.get("data_file"));
            parts.add("lazy_refcounts=" + m.getOrDefault("lazy_refcounts", "off"));
            parts.add("refcount_bits=" + m.getOrDefault("refcount_bits", "16"));
        } else {
            parts.add("size=" + size);
            for (Map.Entry<String, String> e : m.entrySet()) parts.add(e.getKey() + "=" + e.getValue());
        }
        return String.join(" ", parts);
    }

    // ------------------------------------------------------------------------------------------ info

    static int info(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "f:hU", Map.of("help", false, "format", true, "output", true, "backing-chain", false,
                "force-share", false, "image-opts", false, "object", true));
        String fmt = null, output = null;
        boolean chain = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f", "format" -> fmt = o.arg();
            case "output" -> output = o.arg();
            case "backing-chain" -> chain = true;
            case "h", "help" -> { help(); return 0; }
            case "image-opts", "object" -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
            default -> { }
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        String of = outputFormat(output);
        String filename = g.args.get(0);
        List<Map<String, Object>> infos = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        String cur = filename, curFmt = fmt;
        while (cur != null) {
            String key;
            try { key = Path.of(cur).toRealPath().toString(); } catch (IOException e) { key = cur; }
            if (!seen.add(key)) throw new Fail("Backing file '" + cur + "' creates an infinite loop.");
            BlockNode n = open(cur, curFmt, true, BlockDrivers.Options.DEFAULT.withoutBacking());
            try {
                infos.add(imageInfo(cur, n));
                if (!chain) break;
                String b = n.backingFilename();
                if (b == null) break;
                curFmt = n.backingFormat();
                cur = fullBacking(cur, b);
            } finally {
                closeQuietly(n);
            }
        }
        if (of.equals("json")) {
            out.println(QJson.pretty(chain ? infos : infos.get(0)));
        } else {
            for (int i = 0; i < infos.size(); i++) {
                if (i > 0) out.println();
                out.print(humanInfo(infos.get(i)));
            }
        }
        return 0;
    }

    /** ImageInfo in QAPI field order. */
    static Map<String, Object> imageInfo(String filename, BlockNode n) throws IOException {
        Map<String, Object> m = lmap();
        m.put("filename", filename);
        m.put("format", n.formatName());
        m.put("dirty-flag", n.dirtyFlag());
        long actual = n.allocatedFileSize();
        if (actual >= 0) m.put("actual-size", actual);
        m.put("virtual-size", n.size());
        if (n.clusterSize() > 0) m.put("cluster-size", n.clusterSize());
        String b = n.backingFilename();
        if (b != null) {
            m.put("backing-filename", b);
            m.put("full-backing-filename", fullBacking(filename, b));
            if (n.backingFormat() != null) m.put("backing-filename-format", n.backingFormat());
        }
        if (n instanceof Qcow2Node q && !q.snapshotList().isEmpty()) m.put("snapshots", snapshotInfos(q));
        Map<String, Object> fs = n.formatSpecificInfo();
        if (!fs.isEmpty()) {
            Map<String, Object> spec = lmap();
            spec.put("type", n.formatName());
            spec.put("data", fs);
            m.put("format-specific", spec);
        }
        return m;
    }

    static List<Object> snapshotInfos(Qcow2Node q) {
        List<Object> l = new ArrayList<>();
        for (QCowSnapshotHeader s : q.snapshotList()) {
            Map<String, Object> sm = lmap();
            sm.put("id", s.id_str);
            sm.put("name", s.name);
            sm.put("vm-state-size", s.vmStateSize());
            sm.put("date-sec", Integer.toUnsignedLong(s.date_sec));
            sm.put("date-nsec", Integer.toUnsignedLong(s.date_nsec));
            sm.put("vm-clock-sec", s.vm_clock_nsec / 1_000_000_000L);
            sm.put("vm-clock-nsec", s.vm_clock_nsec % 1_000_000_000L);
            if (s.icount != -1) sm.put("icount", s.icount);
            l.add(sm);
        }
        return l;
    }

    @SuppressWarnings("unchecked")
    static String humanInfo(Map<String, Object> m) {
        StringBuilder sb = new StringBuilder();
        sb.append("image: ").append(m.get("filename")).append('\n');
        sb.append("file format: ").append(m.get("format")).append('\n');
        long vs = (Long) m.get("virtual-size");
        sb.append("virtual size: ").append(humanSize(vs)).append(" (").append(vs).append(" bytes)\n");
        Object as = m.get("actual-size");
        sb.append("disk size: ").append(as == null ? "unavailable" : humanSize((Long) as)).append('\n');
        if (m.containsKey("cluster-size")) sb.append("cluster_size: ").append(m.get("cluster-size")).append('\n');
        if (Boolean.TRUE.equals(m.get("dirty-flag"))) sb.append("cleanly shut down: no\n");
        if (m.containsKey("backing-filename")) {
            String b = (String) m.get("backing-filename"), f = (String) m.get("full-backing-filename");
            sb.append("backing file: ").append(b);
            if (!b.equals(f)) sb.append(" (actual path: ").append(f).append(')');
            sb.append('\n');
            if (m.containsKey("backing-filename-format")) sb.append("backing file format: ").append(m.get("backing-filename-format")).append('\n');
        }
        if (m.containsKey("snapshots")) {
            sb.append("Snapshot list:\n");
            sb.append(snapshotHeader()).append('\n');
            for (Object o : (List<Object>) m.get("snapshots")) sb.append(snapshotRow((Map<String, Object>) o)).append('\n');
        }
        if (m.containsKey("format-specific")) {
            sb.append("Format specific information:\n");
            dumpQObject(sb, 1, ((Map<String, Object>) m.get("format-specific")).get("data"));
        }
        return sb.toString();
    }

    static String snapshotHeader() {
        return String.format("%-10s%-17s%8s%20s%13s%11s", "ID", "TAG", "VM SIZE", "DATE", "VM CLOCK", "ICOUNT");
    }

    static String snapshotRow(Map<String, Object> s) {
        long secs = (Long) s.get("date-sec");
        String date = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").format(Instant.ofEpochSecond(secs).atZone(ZoneId.systemDefault()));
        long clk = (Long) s.get("vm-clock-sec") * 1_000_000_000L + (Long) s.get("vm-clock-nsec");
        long ms = clk / 1_000_000;
        String clock = String.format("%02d:%02d:%02d.%03d", ms / 3600000, (ms / 60000) % 60, (ms / 1000) % 60, ms % 1000);
        String icount = s.containsKey("icount") ? String.valueOf(s.get("icount")) : "";
        return String.format("%-9s %-16s %8s%20s%13s%11s", s.get("id"), s.get("name"), humanSize((Long) s.get("vm-state-size")), date, clock, icount);
    }

    @SuppressWarnings("unchecked")
    static void dumpQObject(StringBuilder sb, int indent, Object o) {
        if (o instanceof Map<?, ?> m) {
            // QDict iteration order, as QJson
            for (String k : QJson.qdictOrder(m.keySet())) {
                Object v = m.get(k);
                boolean comp = v instanceof Map || v instanceof List;
                sb.append(" ".repeat(indent * 4)).append(k.replace('-', ' ')).append(':').append(comp ? '\n' : ' ');
                dumpQObject(sb, indent + 1, v);
                if (!comp) sb.append('\n');
            }
        } else if (o instanceof List<?> l) {
            int i = 0;
            for (Object v : l) {
                boolean comp = v instanceof Map || v instanceof List;
                sb.append(" ".repeat(indent * 4)).append('[').append(i++).append("]:").append(comp ? '\n' : ' ');
                dumpQObject(sb, indent + 1, v);
                if (!comp) sb.append('\n');
            }
        } else sb.append(o);
    }

    // ------------------------------------------------------------------------------------------ check

    static int check(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:r:T:qU", Map.of("help", false, "format", true, "repair", true, "output", true,
                "force-share", false, "image-opts", false, "object", true));
        String fmt = null, output = null, cacheS = null;
        int fix = 0;
        boolean quiet = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f", "format" -> fmt = o.arg();
            case "r", "repair" -> {
                if (o.arg().equals("leaks")) fix = ImageCheck.FIX_LEAKS;
                else if (o.arg().equals("all")) fix = ImageCheck.FIX_LEAKS | ImageCheck.FIX_ERRORS;
                else throw usage("Unknown option value for -r (expecting 'leaks' or 'all'): " + o.arg());
            }
            case "output" -> output = o.arg();
            case "T" -> cacheS = o.arg();
            case "q" -> quiet = true;
            case "h", "help" -> { help(); return 0; }
            case "image-opts", "object" -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
            default -> { }
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        String of = outputFormat(output);
        String filename = g.args.get(0);
        BlockDrivers.Options opts = BlockDrivers.Options.DEFAULT.withoutBacking();
        if (cacheS != null) opts = opts.withCache(cache(cacheS));
        BlockNode n = open(filename, fmt, fix == 0, opts);
        ImageCheck r;
        try {
            try {
                r = n.check(fix);
            } catch (BlockException e) {
                if (e.getMessage().equals("This image format does not support checks")) {
                    if (of.equals("json")) throw new Fail("This image format does not support checks", 63);
                    throw new Fail("This image format does not support checks", 63);
                }
                throw new Fail("Check failed: " + e.getMessage(), 1);
            }
        } finally {
            closeQuietly(n);
        }
        for (String m : r.messages) err.println(m);
        if (of.equals("json")) {
            Map<String, Object> m = lmap();
            m.put("filename", filename);
            m.put("format", n.formatName());
            m.put("check-errors", r.checkErrors);
            if (r.imageEndOffset != 0) m.put("image-end-offset", r.imageEndOffset);
            if (r.corruptions != 0) m.put("corruptions", r.corruptions);
            if (r.leaks != 0) m.put("leaks", r.leaks);
            if (r.corruptionsFixed != 0) m.put("corruptions-fixed", r.corruptionsFixed);
            if (r.leaksFixed != 0) m.put("leaks-fixed", r.leaksFixed);
            if (r.totalClusters != 0) m.put("total-clusters", r.totalClusters);
            if (r.allocatedClusters != 0) m.put("allocated-clusters", r.allocatedClusters);
            if (r.fragmentedClusters != 0) m.put("fragmented-clusters", r.fragmentedClusters);
            if (r.compressedClusters != 0) m.put("compressed-clusters", r.compressedClusters);
            out.println(QJson.pretty(m));
        } else if (!quiet) {
            StringBuilder sb = new StringBuilder();
            if (r.leaksFixed != 0 || r.corruptionsFixed != 0) {
                sb.append("The following inconsistencies were found and repaired:\n\n    ").append(r.leaksFixed).append(" leaked clusters\n    ")
                        .append(r.corruptionsFixed).append(" corruptions\n\nDouble checking the fixed image now...\n");
            }
            if (r.corruptions == 0 && r.leaks == 0 && r.checkErrors == 0) sb.append("No errors were found on the image.\n");
            else {
                if (r.corruptions != 0) sb.append("\n").append(r.corruptions).append(" errors were found on the image.\nData may be corrupted, or further writes to the image may corrupt it.\n");
                if (r.leaks != 0) sb.append("\n").append(r.leaks).append(" leaked clusters were found on the image.\nThis means waste of disk space, but no harm to data.\n");
                if (r.checkErrors != 0) sb.append("\n").append(r.checkErrors).append(" internal errors have occurred during the check.\n");
            }
            if (r.totalClusters != 0 && r.allocatedClusters != 0) {
                sb.append(String.format("%d/%d = %.2f%% allocated, %.2f%% fragmented, %.2f%% compressed clusters\n", r.allocatedClusters, r.totalClusters,
                        r.allocatedClusters * 100.0 / r.totalClusters, r.fragmentedClusters * 100.0 / r.allocatedClusters,
                        r.compressedClusters * 100.0 / r.allocatedClusters));
            }
            if (r.imageEndOffset != 0) sb.append("Image end offset: ").append(r.imageEndOffset).append('\n');
            out.print(sb);
        }
        if (r.checkErrors != 0) { err.println(NAME + ": Check failed"); return 1; }
        if (r.corruptions != 0) return 2;
        if (r.leaks != 0) return 3;
        return 0;
    }

    // ------------------------------------------------------------------------------------------ snapshot

    static int snapshot(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "la:c:d:f:hqU", Map.of("help", false, "force-share", false, "image-opts", false, "object", true));
        String fmt = null, action = null, name = null;
        boolean quiet = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "l", "a", "c", "d" -> {
                if (action != null) throw usage("Cannot mix '-l', '-a', '-c', '-d'");
                action = o.name();
                name = o.arg();
            }
            case "f" -> fmt = o.arg();
            case "q" -> quiet = true;
            case "h", "help" -> { help(); return 0; }
            case "image-opts", "object" -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
            default -> { }
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        String filename = g.args.get(0);
        if (action == null) action = "l";
        boolean ro = action.equals("l");
        BlockNode n = open(filename, fmt, ro, BlockDrivers.Options.DEFAULT.withoutBacking());
        try {
            if (!(n instanceof Qcow2Node q)) {
                if (ro) return 0;
                throw new Fail("Could not " + switch (action) { case "c" -> "create"; case "a" -> "apply"; default -> "delete"; }
                        + " snapshot '" + name + "': Operation not supported");
            }
            switch (action) {
                case "l" -> {
                    if (q.snapshotList().isEmpty()) return 0;
                    StringBuilder sb = new StringBuilder("Snapshot list:\n").append(snapshotHeader()).append('\n');
                    for (Object o : snapshotInfos(q)) {
                        @SuppressWarnings("unchecked") Map<String, Object> sm = (Map<String, Object>) o;
                        sb.append(snapshotRow(sm)).append('\n');
                    }
                    out.print(sb);
                }
                case "c" -> {
                    long us = System.currentTimeMillis() * 1000 + (System.nanoTime() / 1000) % 1000;
                    Instant now = Instant.now();
                    try {
                        q.snapshotCreate(name, now.getEpochSecond(), (now.getNano() / 1000) * 1000);
                    } catch (BlockException e) {
                        throw new Fail("Could not create snapshot '" + name + "': " + e.getMessage());
                    }
                    assert us != 0;
                }
                case "a" -> {
                    try {
                        q.snapshotApply(name);
                    } catch (BlockException e) {
                        if (e.getMessage().equals("Could not find snapshot")) {
                            throw new Fail("Could not apply snapshot '" + name + "': Failed to load snapshot: No such file or directory");
                        }
                        throw new Fail("Could not apply snapshot '" + name + "': " + e.getMessage());
                    }
                }
                case "d" -> {
                    try {
                        q.snapshotDelete(name);
                    } catch (BlockException e) {
                        if (e.getMessage().equals("Can't find the snapshot")) throw new Fail("Could not delete snapshot '" + name + "': snapshot not found");
                        throw new Fail("Could not delete snapshot '" + name + "': " + e.getMessage());
                    }
                }
                default -> { }
            }
            assert !quiet || quiet;
        } finally {
            closeQuietly(n);
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------ resize

    static int resize(String[] argv) throws IOException {
        // a leading '-' size ("-2G") must not be taken for an option: QEMU looks at the last argument first
        List<String> a = new ArrayList<>(List.of(argv));
        String sizeArg = null;
        if (a.size() >= 2 && a.get(a.size() - 1).startsWith("-") && a.get(a.size() - 1).length() > 1
                && Character.isDigit(a.get(a.size() - 1).charAt(1))) {
            sizeArg = a.remove(a.size() - 1);
        }
        Getopt g = new Getopt(a.toArray(String[]::new), 1, "f:hq", Map.of("help", false, "shrink", false, "preallocation", true,
                "image-opts", false, "object", true));
        String fmt = null, prealloc = null;
        boolean quiet = false, shrink = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt = o.arg();
            case "q" -> quiet = true;
            case "shrink" -> shrink = true;
            case "preallocation" -> prealloc = o.arg();
            case "h", "help" -> { help(); return 0; }
            case "image-opts", "object" -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
            default -> { }
        }
        List<String> args = new ArrayList<>(g.args);
        if (sizeArg != null) args.add(sizeArg);
        if (args.size() != 2) throw usage("Expecting image file name and size");
        if (prealloc != null && !prealloc.equals("off")) throw new Fail("Preallocation mode '" + prealloc + "' is not supported by jemu-img resize");
        String filename = args.get(0), s = args.get(1);
        int sign = 0;
        if (s.startsWith("+")) { sign = 1; s = s.substring(1); }
        else if (s.startsWith("-")) { sign = -1; s = s.substring(1); }
        Long v = parseSize(s);
        if (v == null) throw new Fail(SIZE_ERROR);
        BlockNode n = open(filename, fmt, false, BlockDrivers.Options.DEFAULT);
        try {
            long cur = n.size();
            long ns = sign == 0 ? v : cur + sign * v;
            if (ns <= 0 && sign != 0 || ns < 0) throw new Fail("New image size must be positive");
            if (ns < cur && !shrink) {
                throw new Fail("Use the --shrink option to perform a shrink operation.\n" + NAME
                        + ": warning: Shrinking an image will delete all data beyond the shrunken image's end. Before performing such an operation, make sure there is no important data there.");
            }
            try {
                n.truncate(ns, shrink);
            } catch (BlockException e) {
                throw new Fail(e.getMessage());
            }
            if (!quiet) out.println("Image resized.");
        } finally {
            closeQuietly(n);
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------ commit

    static int commit(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "f:ht:b:dpqr:", Map.of("help", false, "image-opts", false, "object", true));
        String fmt = null, cacheS = null, base = null;
        boolean quiet = false, drop = false, progress = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt = o.arg();
            case "t" -> cacheS = o.arg();
            case "b" -> base = o.arg();
            case "d" -> drop = true;
            case "p" -> progress = true;
            case "q" -> quiet = true;
            case "r" -> throw new Fail("-r (rate limit) is not supported by jemu-img");
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        String filename = g.args.get(0);
        BlockDrivers.Options opts = BlockDrivers.Options.DEFAULT.withWritableBacking().withCache(cache(cacheS == null ? "unsafe" : cacheS));
        BlockNode top = open(filename, fmt, false, opts);
        try {
            BlockNode target = top.backing();
            if (target == null) throw new Fail("Image does not have a backing file");
            int depth = 1;
            if (base != null) {
                String want;
                try { want = Path.of(base).toRealPath().toString(); } catch (IOException e) { throw new Fail("Did not find '" + base + "' in the backing chain of '" + filename + "'"); }
                String chainName = fullBacking(filename, top.backingFilename());
                while (true) {
                    String real;
                    try { real = Path.of(chainName).toRealPath().toString(); } catch (IOException e) { real = chainName; }
                    if (real.equals(want)) break;
                    if (target.backing() == null) throw new Fail("Did not find '" + base + "' in the backing chain of '" + filename + "'");
                    chainName = fullBacking(chainName, target.backingFilename());
                    target = target.backing();
                    depth++;
                }
            }
            long size = Math.min(top.size(), target.size());
            if (top.size() > target.size()) target.truncate(top.size(), false);
            size = top.size();
            int chunk = 2 << 20;
            long off = 0;
            Progress p = new Progress(progress && !quiet, size);
            while (off < size) {
                BlockStatus s = top.blockStatus(off, Math.min(chunk, size - off));
                long len = s.length();
                boolean above = s.allocated() ? true : (s.depth() > 0 && s.depth() < depth && (s.data() || s.zero()) && s.depth() < depth && isAllocatedAbove(top, off, depth));
                if (s.allocated() || above) {
                    if (s.zero() && !s.data()) target.writeZeroes(off, len);
                    else {
                        byte[] b = readAll(top, off, (int) len);
                        target.write(off, ByteBuffer.wrap(b));
                    }
                }
                off += len;
                p.update(off);
            }
            p.done();
            target.flush();
            if (!drop && top instanceof Qcow2Node q) q.makeEmpty();
            if (depth > 1 && top instanceof Qcow2Node q) {
                q.setBackingFile(Path.of(base).isAbsolute() ? base : base, target.formatName());
            }
        } finally {
            closeQuietly(top);
        }
        if (!quiet) out.println("Image committed.");
        return 0;
    }

    /** Whether offset is allocated in one of the layers strictly above depth {@code depth}. */
    private static boolean isAllocatedAbove(BlockNode top, long off, int depth) throws IOException {
        BlockNode n = top;
        for (int d = 0; d < depth && n != null; d++, n = n.backing()) {
            if (n.blockStatus(off, 1).allocated()) return true;
        }
        return false;
    }

    // ------------------------------------------------------------------------------------------ rebase

    static int rebase(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:F:b:upt:T:qc", Map.of("help", false, "image-opts", false, "object", true, "force-share", false));
        String fmt = null, outBase = null, outBaseFmt = null, cacheS = null, srcCache = null;
        boolean unsafe = false, progress = false, quiet = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt = o.arg();
            case "F" -> outBaseFmt = o.arg();
            case "b" -> outBase = o.arg();
            case "u" -> unsafe = true;
            case "p" -> progress = true;
            case "t" -> cacheS = o.arg();
            case "T" -> srcCache = o.arg();
            case "q" -> quiet = true;
            case "c" -> throw new Fail("-c (compressed rebase) is not supported by jemu-img");
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        if (outBase == null) throw usage("Must specify backing file (-b)");
        String filename = g.args.get(0);
        assert srcCache == null || !srcCache.isEmpty();
        BlockDrivers.Options opts = BlockDrivers.Options.DEFAULT.withCache(cache(cacheS == null ? "writeback" : cacheS));
        if (unsafe) opts = opts.withoutBacking();
        BlockNode n = open(filename, fmt, false, opts);
        try {
            Qcow2Node q = qcow2(n, "rebase");
            if (outBase.isEmpty()) {
                if (!unsafe) copyOldBacking(q, null, progress && !quiet);
                q.setBackingFile(null, null);
                return 0;
            }
            String full = fullBacking(filename, outBase);
            BlockNode nb = null;
            try {
                nb = BlockDrivers.open(full, outBaseFmt, true, BlockDrivers.Options.DEFAULT);
            } catch (IOException e) {
                if (!unsafe) throw new Fail("Could not open new backing file '" + full + "': " + e.getMessage());
            }
            try {
                if (outBaseFmt == null) {
                    outBaseFmt = nb != null ? nb.formatName() : null;
                }
                if (!unsafe) copyOldBacking(q, nb, progress && !quiet);
                q.setBackingFile(outBase, outBaseFmt);
            } finally {
                closeQuietly(nb);
            }
        } finally {
            closeQuietly(n);
        }
        return 0;
    }

    /** Safe rebase: where the image is unallocated and the old and new backing differ, copy the old data in. */
    private static void copyOldBacking(Qcow2Node q, BlockNode newBacking, boolean progress) throws IOException {
        BlockNode old = q.backing();
        long size = q.size();
        int chunk = (int) Math.max(q.clusterSize(), 64 << 10);
        Progress p = new Progress(progress, size);
        for (long off = 0; off < size; ) {
            int len = (int) Math.min(chunk, size - off);
            BlockStatus s = q.blockStatus(off, len);
            len = (int) s.length();
            if (!s.allocated()) {
                byte[] a = new byte[len], b = new byte[len];
                if (old != null) readClamped(old, off, a);
                if (newBacking != null) readClamped(newBacking, off, b);
                if (!java.util.Arrays.equals(a, b)) q.write(off, ByteBuffer.wrap(a));
            }
            off += len;
            p.update(off);
        }
        p.done();
    }

    static void readClamped(BlockNode n, long off, byte[] b) throws IOException {
        long avail = Math.max(0, Math.min(b.length, n.size() - off));
        if (avail > 0) n.read(off, ByteBuffer.wrap(b, 0, (int) avail));
    }

    // ------------------------------------------------------------------------------------------ compare

    static int compare(String[] argv) {
        try {
            return compare0(argv);
        } catch (Fail f) {
            throw new Fail(f.getMessage(), f.getMessage().contains("\nTry '") ? 1 : f.rc == 1 ? 2 : f.rc);
        } catch (IOException e) {
            throw new Fail(e.getMessage(), 2);
        }
    }

    private static int compare0(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:F:T:pqsU", Map.of("help", false, "image-opts", false, "object", true, "force-share", false));
        String fmt1 = null, fmt2 = null;
        boolean strict = false, quiet = false, progress = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt1 = o.arg();
            case "F" -> fmt2 = o.arg();
            case "s" -> strict = true;
            case "q" -> quiet = true;
            case "p" -> progress = true;
            case "T", "U", "force-share" -> { }
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        if (g.args.size() != 2) throw usage("Expecting two image file names");
        BlockNode a = open(g.args.get(0), fmt1, true, BlockDrivers.Options.DEFAULT);
        BlockNode b = null;
        try {
            b = open(g.args.get(1), fmt2, true, BlockDrivers.Options.DEFAULT);
            long sa = a.size(), sb = b.size();
            if (strict && sa != sb) {
                if (!quiet) out.println("Strict mode: Image size mismatch!");
                return 1;
            }
            long common = Math.min(sa, sb);
            int chunk = 1 << 20;
            Progress p = new Progress(progress && !quiet, Math.max(sa, sb));
            for (long off = 0; off < common; ) {
                int len = (int) Math.min(chunk, common - off);
                BlockStatus s1 = a.blockStatus(off, len), s2 = b.blockStatus(off, len);
                len = (int) Math.min(s1.length(), s2.length());
                if (strict && s1.allocated() != s2.allocated()) {
                    if (!quiet) out.println("Strict mode: Offset " + off + " block status mismatch!");
                    return 1;
                }
                boolean z1 = s1.zero() && !s1.data(), z2 = s2.zero() && !s2.data();
                if (!(z1 && z2)) {
                    byte[] x = z1 ? null : readAll(a, off, len), y = z2 ? null : readAll(b, off, len);
                    long d = firstDiff(x, y, len);
                    if (d >= 0) {
                        if (!quiet) out.println("Content mismatch at offset " + (off + d) + "!");
                        return 1;
                    }
                }
                off += len;
                p.update(off);
            }
            if (sa != sb) {
                // as qemu-img: the warning comes once the common part compared equal
                if (!quiet) out.println("Warning: Image size mismatch!");
                BlockNode big = sa > sb ? a : b;
                for (long off = common; off < big.size(); ) {
                    int len = (int) Math.min(chunk, big.size() - off);
                    BlockStatus s = big.blockStatus(off, len);
                    len = (int) s.length();
                    if (!(s.zero() && !s.data())) {
                        byte[] x = readAll(big, off, len);
                        long d = firstDiff(x, null, len);
                        if (d >= 0) {
                            if (!quiet) out.println("Content mismatch at offset " + (off + d) + "!");
                            return 1;
                        }
                    }
                    off += len;
                    p.update(off);
                }
            }
            p.done();
            if (!quiet) out.println("Images are identical.");
            return 0;
        } finally {
            closeQuietly(a);
            closeQuietly(b);
        }
    }

    /** First differing 512-byte sector start (relative), -1 if equal; null = zeroes. */
    static long firstDiff(byte[] x, byte[] y, int len) {
        for (int s = 0; s < len; s += 512) {
            int e = Math.min(len, s + 512);
            boolean same;
            if (x == null && y == null) same = true;
            else if (x == null) same = isZero(y, s, e);
            else if (y == null) same = isZero(x, s, e);
            else same = java.util.Arrays.equals(x, s, e, y, s, e);
            if (!same) return s;
        }
        return -1;
    }

    // ------------------------------------------------------------------------------------------ map

    static int map(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "f:hU", Map.of("help", false, "format", true, "output", true, "start-offset", true,
                "max-length", true, "force-share", false, "image-opts", false, "object", true));
        String fmt = null, output = null;
        long start = 0, maxLen = -1;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f", "format" -> fmt = o.arg();
            case "output" -> output = o.arg();
            case "start-offset" -> {
                Long v = parseSize(o.arg());
                if (v == null) throw new Fail("Invalid start offset specified! You may use k, M, G, T, P or E suffixes for \nkilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
                start = v;
            }
            case "max-length" -> {
                Long v = parseSize(o.arg());
                if (v == null) throw new Fail("Invalid max length specified! You may use k, M, G, T, P or E suffixes for \nkilobytes, megabytes, gigabytes, terabytes, petabytes and exabytes.");
                maxLen = v;
            }
            case "h", "help" -> { help(); return 0; }
            case "image-opts", "object" -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
            default -> { }
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        String of = outputFormat(output);
        String filename = g.args.get(0);
        BlockNode n = open(filename, fmt, true, BlockDrivers.Options.DEFAULT);
        StringBuilder sb = new StringBuilder();
        try {
            long end = maxLen < 0 ? n.size() : Math.min(n.size(), start + maxLen);
            if (of.equals("json")) sb.append('[');
            else sb.append(String.format("%-16s%-16s%-16s%s\n", "Offset", "Length", "Mapped to", "File"));
            long off = start;
            boolean first = true;
            // current merged entry
            long cStart = -1, cLen = 0, cOff = -1;
            int cDepth = 0;
            boolean cPresent = false, cZero = false, cData = false;
            String cFile = null;
            while (true) {
                BlockStatus s = off < end ? n.blockStatus(off, Math.min(end - off, 1L << 30)) : null;
                String file = s == null ? null : layerFile(filename, n, s.depth());
                boolean present = s != null && (s.allocated() || s.data() || (s.depth() > 0 && s.zero() && s.hostOffset() >= 0));
                if (s != null && cStart >= 0 && s.depth() == cDepth && present == cPresent && s.zero() == cZero && s.data() == cData
                        && ((cOff < 0 && s.hostOffset() < 0) || (cOff >= 0 && s.hostOffset() == cOff + cLen))) {
                    cLen += s.length();
                } else {
                    if (cStart >= 0) {
                        if (of.equals("json")) {
                            if (!first) sb.append(",\n");
                            sb.append("{ \"start\": ").append(cStart).append(", \"length\": ").append(cLen).append(", \"depth\": ").append(cDepth)
                                    .append(", \"present\": ").append(cPresent).append(", \"zero\": ").append(cZero).append(", \"data\": ").append(cData);
                            if (cOff >= 0) sb.append(", \"offset\": ").append(cOff);
                            sb.append("}");
                        } else if (cData && cOff < 0) {
                            out.print(sb);
                            throw new Fail("File contains external, encrypted or compressed clusters.");
                        } else if (cData && !cZero && cOff >= 0) {
                            sb.append(String.format("%-16s%-16s%-16s%s\n", hex(cStart), hex(cLen), hex(cOff), cFile));
                        }
                        first = false;
                    }
                    if (s == null) break;
                    cStart = off; cLen = s.length(); cOff = s.hostOffset(); cDepth = s.depth(); cPresent = present;
                    cZero = s.zero(); cData = s.data(); cFile = file;
                }
                off += s.length();
            }
            if (of.equals("json")) sb.append("]\n");
        } finally {
            closeQuietly(n);
        }
        out.print(sb);
        return 0;
    }

    static String hex(long v) { return v == 0 ? "0" : "0x" + Long.toHexString(v); }

    private static String layerFile(String filename, BlockNode n, int depth) {
        String name = filename;
        BlockNode cur = n;
        for (int d = 0; d < depth && cur != null; d++) {
            if (cur.backingFilename() == null) break;
            name = fullBacking(name, cur.backingFilename());
            cur = cur.backing();
        }
        return name;
    }

    // ------------------------------------------------------------------------------------------ measure

    static int measure(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:O:o:l:", Map.of("help", false, "output", true, "size", true, "image-opts", false,
                "object", true, "force-share", false));
        String fmt = null, outFmt = "raw", output = null;
        Long size = null;
        List<String> os = new ArrayList<>();
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt = o.arg();
            case "O" -> outFmt = o.arg();
            case "o" -> os.add(o.arg());
            case "output" -> output = o.arg();
            case "size" -> {
                size = parseSize(o.arg());
                if (size == null) throw new Fail(SIZE_ERROR);
            }
            case "l" -> throw new Fail("-l (snapshot) is not supported by jemu-img measure");
            case "h", "help" -> { help(); return 0; }
            default -> { }
        }
        String of = outputFormat(output);
        if (size != null && !g.args.isEmpty()) throw new Fail("--size N cannot be used together with a filename.");
        if (size == null && g.args.isEmpty()) throw new Fail("Either --size N or one filename must be specified.");
        if (g.args.size() > 1) throw new Fail("At most one filename argument is allowed.");
        BlockDriver d = BlockDrivers.find(outFmt);
        if (d == null) throw new Fail("Unknown file format '" + outFmt + "'");
        if (os.stream().anyMatch(Img::isHelp)) { printCreateOptions(d); return 0; }
        QemuOpts opts = parseO(os);
        long virtualSize, allocated;
        boolean srcQcow2 = false; // a qcow2 v3 source can carry persistent bitmaps
        if (size != null) {
            virtualSize = size;
            allocated = 0;
        } else {
            BlockNode n = open(g.args.get(0), fmt, true, BlockDrivers.Options.DEFAULT);
            try {
                virtualSize = n.size();
                srcQcow2 = n instanceof Qcow2Node q2 && q2.version() >= 3;
                long cs = outFmt.equals("qcow2") ? (parseSize(opts.peek("cluster_size") == null ? "65536" : opts.peek("cluster_size"))) : 512;
                allocated = countAllocated(n, cs);
            } finally {
                closeQuietly(n);
            }
        }
        long required, full;
        boolean bitmaps = false;
        if (outFmt.equals("qcow2")) {
            String compat = opts.take("compat", "1.1");
            long cs = parseSize(opts.take("cluster_size", "65536"));
            int rb = Integer.parseInt(opts.take("refcount_bits", "16"));
            boolean ext = opts.takeBool("extended_l2", false);
            String pre = opts.take("preallocation", "off");
            opts.take("lazy_refcounts", null);
            opts.take("compression_type", null);
            opts.take("backing_file", null);
            opts.take("backing_fmt", null);
            try { opts.rejectUnknown(); } catch (OptionException e) { throw new Fail(e.getMessage()); }
            virtualSize = (virtualSize + 511) & ~511L;
            full = Qcow2Node.calcPreallocSize(virtualSize, cs, Integer.numberOfTrailingZeros(rb), ext);
            required = pre.equals("off") || pre.equals("metadata") && false ? full - ((virtualSize + cs - 1) / cs * cs) + allocated : full;
            if (pre.equals("metadata")) required = full;
            bitmaps = srcQcow2 && !compat.equals("0.10") && !compat.equals("v2");
        } else {
            virtualSize = (virtualSize + 511) & ~511L;
            full = virtualSize;
            required = virtualSize;
        }
        if (of.equals("json")) {
            Map<String, Object> m = lmap();
            m.put("required", required);
            m.put("fully-allocated", full);
            if (bitmaps) m.put("bitmaps", 0L);
            out.println(QJson.pretty(m));
        } else {
            out.println("required size: " + required);
            out.println("fully allocated size: " + full);
            if (bitmaps) out.println("bitmaps size: 0");
        }
        return 0;
    }

    /** QEMU's qcow2_measure loop: data extents are extended to the end of their cluster. */
    private static long countAllocated(BlockNode n, long cs) throws IOException {
        long required = 0;
        long size = n.size();
        for (long off = 0; off < size; ) {
            BlockStatus s = n.blockStatus(off, size - off);
            long pnum = s.length();
            if (s.zero()) {
                // zero regions are skipped
            } else if (s.data()) {
                pnum = (off + pnum + cs - 1) / cs * cs - off;
                required += off % cs + pnum;
            }
            off += pnum;
        }
        return required;
    }

    // ------------------------------------------------------------------------------------------ amend

    static int amend(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "ho:f:t:pq", Map.of("help", false, "force", false, "image-opts", false, "object", true));
        String fmt = null, cacheS = null;
        List<String> os = new ArrayList<>();
        boolean quiet = false;
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "o" -> os.add(o.arg());
            case "f" -> fmt = o.arg();
            case "t" -> cacheS = o.arg();
            case "q" -> quiet = true;
            case "p", "force" -> { }
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        if (os.isEmpty()) throw usage("Must specify options (-o)");
        if (os.stream().anyMatch(Img::isHelp)) {
            BlockDriver d = BlockDrivers.find(fmt == null ? "qcow2" : fmt);
            if (d == null) throw new Fail("Unknown file format '" + fmt + "'");
            printCreateOptions(d);
            return 0;
        }
        if (g.args.size() != 1) throw usage("Expecting one image file name");
        String filename = g.args.get(0);
        BlockNode n = open(filename, fmt, false, BlockDrivers.Options.DEFAULT.withoutBacking().withCache(cache(cacheS == null ? "writeback" : cacheS)));
        try {
            if (!(n instanceof Qcow2Node q)) throw new Fail("Format driver '" + n.formatName() + "' does not support option amendment");
            QemuOpts o = parseO(os);
            Qcow2Node.QemuOptsView v = new Qcow2Node.QemuOptsView();
            try {
                String compat = o.take("compat", null);
                if (compat != null) v.version = switch (compat) {
                    case "0.10", "v2" -> 2;
                    case "1.1", "v3" -> 3;
                    default -> throw new Fail("Invalid compatibility level: '" + compat + "'");
                };
                if (o.has("lazy_refcounts")) v.lazyRefcounts = o.takeBool("lazy_refcounts", false);
                if (o.has("cluster_size")) v.clusterSize = (int) o.takeSize("cluster_size", 0);
                if (o.has("refcount_bits")) v.refcountBits = Integer.parseInt(o.take("refcount_bits", "16"));
                if (o.has("compression_type")) v.compressionType = o.take("compression_type", "zlib").equals("zstd") ? 1 : 0;
                if (o.has("extended_l2")) v.extendedL2 = o.takeBool("extended_l2", false);
                v.backingFile = o.take("backing_file", null);
                v.backingFmt = o.take("backing_fmt", null);
                v.preallocation = o.take("preallocation", null);
                if (o.has("size")) v.size = o.takeSize("size", 0);
                o.rejectUnknown();
            } catch (OptionException | NumberFormatException e) {
                throw new Fail(e.getMessage());
            }
            try {
                q.amend(v);
            } catch (BlockException e) {
                throw new Fail(e.getMessage());
            }
            assert !quiet || quiet;
        } finally {
            closeQuietly(n);
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------ dd

    static int dd(String[] argv) throws IOException {
        Getopt g = new Getopt(argv, 1, "hf:O:", Map.of("help", false, "image-opts", false, "object", true));
        String fmt = null, outFmt = "raw";
        for (Getopt.Opt o : g.opts) switch (o.name()) {
            case "f" -> fmt = o.arg();
            case "O" -> outFmt = o.arg();
            case "h", "help" -> { help(); return 0; }
            default -> throw new Fail("--" + o.name() + " is not supported by jemu-img");
        }
        String in = null, outName = null;
        long bs = 512, count = -1, skip = 0;
        for (String a : g.args) {
            int eq = a.indexOf('=');
            if (eq < 0) throw new Fail("unrecognized operand " + a);
            String k = a.substring(0, eq), v = a.substring(eq + 1);
            switch (k) {
                case "if" -> in = v;
                case "of" -> outName = v;
                case "bs" -> {
                    Long x = parseSize(v);
                    if (x == null || x <= 0 || x > Integer.MAX_VALUE) throw new Fail("invalid number: '" + v + "'");
                    bs = x;
                }
                case "count" -> {
                    Long x = parseSize(v);
                    if (x == null) throw new Fail("invalid number: '" + v + "'");
                    count = x;
                }
                case "skip" -> {
                    Long x = parseSize(v);
                    if (x == null) throw new Fail("invalid number: '" + v + "'");
                    skip = x;
                }
                default -> throw new Fail("unrecognized operand " + a);
            }
        }
        if (in == null) throw new Fail("Must specify an input file with if=");
        if (outName == null) throw new Fail("Must specify an output file with of=");
        BlockNode src = open(in, fmt, true, BlockDrivers.Options.DEFAULT);
        try {
            long start = skip * bs;
            if (start > src.size()) start = src.size();
            long size = src.size() - start;
            if (count >= 0) size = Math.min(size, count * bs);
            if (BlockDrivers.find(outFmt) == null) throw new Fail("Unknown file format '" + outFmt + "'");
            try {
                BlockDrivers.create(outName, outFmt, size, null);
            } catch (BlockException e) {
                throw new Fail(outName + ": error while creating output image: " + e.getMessage());
            }
            BlockNode dst = open(outName, outFmt, false, BlockDrivers.Options.DEFAULT.withCache(org.jemu.block.CacheMode.UNSAFE));
            try {
                byte[] buf = new byte[(int) Math.max(bs, 64 << 10)];
                for (long off = 0; off < size; ) {
                    int n = (int) Math.min(buf.length, size - off);
                    src.read(start + off, ByteBuffer.wrap(buf, 0, n));
                    if (!isZero(buf, 0, n)) dst.write(off, ByteBuffer.wrap(buf, 0, n));
                    off += n;
                }
                dst.flush();
            } finally {
                closeQuietly(dst);
            }
        } finally {
            closeQuietly(src);
        }
        return 0;
    }

    static boolean fileExists(String f) { return Files.exists(Path.of(f)); }
}
