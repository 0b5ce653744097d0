package org.jemu.block.vmdk;

import org.jemu.block.BlockException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The VMDK text descriptor ("# Disk DescriptorFile"): header fields (version, CID, parentCID,
 * createType, parentFileNameHint), extent descriptions ({@code RW 4194304 SPARSE "x-s001.vmdk"},
 * {@code RW 2048 FLAT "x-flat.vmdk" 0}) and the disk database (ddb.*).
 */
final class VmdkDescriptor {
    /** One extent description line. {@code offset} (sectors) only for FLAT/VMFS. */
    record Extent(String access, long sectors, String type, String filename, long offset) {}

    static final long MAX_SECTORS = Long.MAX_VALUE / 512;

    int version = 1;
    long cid;
    long parentCid = 0xffffffffL;
    String createType;
    String parentFileNameHint;
    final List<Extent> extents = new ArrayList<>();
    final Map<String, String> ddb = new LinkedHashMap<>();

    static VmdkDescriptor parse(String text) throws BlockException {
        VmdkDescriptor d = new VmdkDescriptor();
        boolean sawCid = false;
        for (String line0 : text.split("\r?\n")) {
            String line = line0.strip();
            if (line.isEmpty() || line.startsWith("#")) continue;
            if (line.startsWith("RW ") || line.startsWith("RDONLY ") || line.startsWith("NOACCESS ")) {
                d.extents.add(parseExtent(line));
                continue;
            }
            int eq = line.indexOf('=');
            if (eq < 0) continue; // QEMU skips lines it does not understand
            String key = line.substring(0, eq).strip();
            String val = unquote(line.substring(eq + 1).strip());
            switch (key) {
                case "version" -> d.version = parseInt(val, "version");
                case "CID" -> { d.cid = parseHex32(val, "CID"); sawCid = true; }
                case "parentCID" -> d.parentCid = parseHex32(val, "parentCID");
                case "createType" -> d.createType = val;
                case "parentFileNameHint" -> d.parentFileNameHint = val;
                default -> { if (key.startsWith("ddb.")) d.ddb.put(key, val); }
            }
        }
        if (!sawCid) d.cid = 0;
        return d;
    }

    private static Extent parseExtent(String line) throws BlockException {
        // access sectors type "filename" [offset]
        String bad = "Invalid extent line: " + line;
        int q1 = line.indexOf('"');
        String[] head;
        String fname = null;
        String tail = "";
        if (q1 >= 0) {
            int q2 = line.indexOf('"', q1 + 1);
            if (q2 < 0) throw new BlockException(bad);
            fname = line.substring(q1 + 1, q2);
            head = line.substring(0, q1).strip().split("\\s+");
            tail = line.substring(q2 + 1).strip();
        } else {
            head = line.split("\\s+");
        }
        if (head.length != 3) throw new BlockException(bad);
        long sectors;
        try { sectors = Long.parseLong(head[1]); } catch (NumberFormatException e) { throw new BlockException(bad); }
        String type = head[2].toUpperCase(Locale.ROOT);
        if (sectors <= 0 || sectors > MAX_SECTORS) throw new BlockException("Invalid extent size " + head[1] + " in line: " + line);
        long offset = 0;
        switch (type) {
            case "FLAT", "VMFS" -> {
                if (fname == null) throw new BlockException(bad);
                if (tail.isEmpty()) {
                    if (type.equals("FLAT")) throw new BlockException(bad + " (a FLAT extent needs an offset)");
                } else {
                    try { offset = Long.parseLong(tail); } catch (NumberFormatException e) { throw new BlockException(bad); }
                    if (offset < 0 || offset > MAX_SECTORS) throw new BlockException(bad + " (bad offset)");
                }
            }
            case "SPARSE", "VMFSSPARSE" -> {
                if (fname == null || !tail.isEmpty()) throw new BlockException(bad);
            }
            case "ZERO" -> { /* no file */ }
            default -> throw new BlockException("Unsupported extent type '" + head[2] + "' in line: " + line);
        }
        if (fname != null && fname.isEmpty()) throw new BlockException(bad + " (empty file name)");
        return new Extent(head[0], sectors, type, fname, offset);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) return v.substring(1, v.length() - 1);
        return v;
    }

    private static int parseInt(String v, String what) throws BlockException {
        try { return Integer.parseInt(v); } catch (NumberFormatException e) { throw new BlockException("vmdk: invalid " + what + " '" + v + "' in descriptor"); }
    }

    private static long parseHex32(String v, String what) throws BlockException {
        try {
            long x = Long.parseLong(v, 16);
            if (x < 0 || x > 0xffffffffL) throw new NumberFormatException();
            return x;
        } catch (NumberFormatException e) {
            throw new BlockException("vmdk: invalid " + what + " '" + v + "' in descriptor");
        }
    }

    /** The descriptor text as QEMU writes it. */
    String render() {
        StringBuilder s = new StringBuilder();
        s.append("# Disk DescriptorFile\n");
        s.append("version=").append(version).append('\n');
        s.append(String.format("CID=%08x\n", cid));
        s.append(String.format("parentCID=%08x\n", parentCid));
        s.append("createType=\"").append(createType).append("\"\n");
        if (parentFileNameHint != null) s.append("parentFileNameHint=\"").append(parentFileNameHint).append('"');
        s.append("\n# Extent description\n");
        for (Extent e : extents) {
            s.append(e.access).append(' ').append(e.sectors).append(' ').append(e.type);
            if (e.filename != null) s.append(" \"").append(e.filename).append('"');
            if (e.type.equals("FLAT") || e.type.equals("VMFS")) s.append(' ').append(e.offset);
            s.append('\n');
        }
        s.append("\n# The Disk Data Base\n#DDB\n\n");
        for (var kv : ddb.entrySet()) s.append(kv.getKey()).append(" = \"").append(kv.getValue()).append("\"\n");
        return s.toString();
    }
}
