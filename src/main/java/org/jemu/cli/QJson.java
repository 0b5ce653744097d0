package org.jemu.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON as QEMU prints it (qobject_to_json_pretty): 4-space indentation, and object members in QDict
 * iteration order — by bucket of QEMU's tdb_hash modulo 512, most recently inserted first within a
 * bucket — so `--output=json` matches qemu-img byte for byte. Build objects as LinkedHashMaps in QAPI
 * field order.
 */
public final class QJson {
    private QJson() {}

    static int bucket(String name) {
        byte[] b = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        int v = 0x238F13AF * b.length;
        for (int i = 0; i < b.length; i++) v += (b[i] & 0xff) << (i * 5 % 24);
        return Integer.remainderUnsigned(1103515243 * v + 12345, 512);
    }

    /**
     * The keys in QDict iteration order: bucket ascending; within a bucket, last inserted first. Each
     * key's bucket is computed once (this runs interpreted at start-up: 512 passes over the keys cost
     * milliseconds).
     */
    static List<String> qdictOrder(java.util.Collection<?> insertionOrder) {
        List<String> keys = new ArrayList<>();
        for (Object k : insertionOrder) keys.add((String) k);
        int n = keys.size();
        long[] order = new long[n];
        // sort key: bucket, then reverse insertion index
        for (int i = 0; i < n; i++) order[i] = ((long) bucket(keys.get(i)) << 32) | (n - 1 - i);
        java.util.Arrays.sort(order);
        List<String> out = new ArrayList<>(n);
        for (long v : order) out.add(keys.get(n - 1 - (int) v));
        return out;
    }

    public static String pretty(Object o) {
        StringBuilder sb = new StringBuilder();
        write(sb, o, 0);
        return sb.toString();
    }

    private static void indent(StringBuilder sb, int d) { sb.append('\n'); sb.append(" ".repeat(4 * d)); }

    @SuppressWarnings("unchecked")
    private static void write(StringBuilder sb, Object o, int d) {
        if (o instanceof Map<?, ?> m) {
            // QDict order: bucket ascending; within a bucket, last inserted first
            sb.append('{');
            boolean first = true;
            for (String k : qdictOrder(m.keySet())) {
                if (!first) sb.append(',');
                first = false;
                indent(sb, d + 1);
                str(sb, k);
                sb.append(": ");
                write(sb, m.get(k), d + 1);
            }
            indent(sb, d);
            sb.append('}');
        } else if (o instanceof List<?> l) {
            sb.append('[');
            boolean first = true;
            for (Object x : l) {
                if (!first) sb.append(',');
                first = false;
                indent(sb, d + 1);
                write(sb, x, d + 1);
            }
            indent(sb, d);
            sb.append(']');
        } else if (o instanceof String s) {
            str(sb, s);
        } else if (o instanceof Double dd) {
            sb.append(dd);
        } else {
            sb.append(o);
        }
    }

    static void str(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) sb.append(String.format("\\u%04X", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }
}
