package org.jemu.util;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * QEMU's option-string syntax: {@code [implied=]value,key=val,key2=val2}, where a literal comma inside
 * a value is written twice ({@code file=a,,b} means the file {@code a,b}), and a bare {@code key}
 * means {@code key=on}. This is the parser behind {@code -drive}, {@code -netdev}, {@code -device},
 * {@code -M virt,dumpdtb=F} and {@code jemu-img -o}.
 *
 * <p>Options keep their order. Consumers take the keys they understand with {@link #take} and then call
 * {@link #rejectUnknown}, so an option we do not support yet is named in an error, never ignored.
 */
public final class QemuOpts {
    private final String group;
    private final LinkedHashMap<String, String> values = new LinkedHashMap<>();

    private QemuOpts(String group) { this.group = group; }

    /**
     * Parses {@code text}. If {@code impliedKey} is non-null, a first element without '=' is the value
     * of that key (as {@code -M virt} is {@code type=virt}, {@code -netdev user,id=n} is {@code type=user}).
     */
    public static QemuOpts parse(String group, String text, String impliedKey) {
        QemuOpts o = new QemuOpts(group);
        List<String> parts = split(text);
        for (int i = 0; i < parts.size(); i++) {
            String p = parts.get(i);
            if (p.isEmpty()) continue;
            int eq = p.indexOf('=');
            String k, v;
            if (eq < 0) {
                if (i == 0 && impliedKey != null) { k = impliedKey; v = p; }
                else if (p.startsWith("no") && p.length() > 2) { k = p.substring(2); v = "off"; }
                else { k = p; v = "on"; }
            } else {
                k = p.substring(0, eq);
                v = p.substring(eq + 1);
            }
            if (o.values.containsKey(k)) {
                throw new OptionException(group + ": parameter '" + k + "' given more than once");
            }
            o.values.put(k, v);
        }
        return o;
    }

    /** Splits at single commas; ",," is an escaped comma. */
    static List<String> split(String text) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == ',') {
                if (i + 1 < text.length() && text.charAt(i + 1) == ',') { cur.append(','); i++; }
                else { out.add(cur.toString()); cur.setLength(0); }
            } else cur.append(c);
        }
        out.add(cur.toString());
        return out;
    }

    public String group() { return group; }
    public boolean has(String key) { return values.containsKey(key); }
    public String peek(String key) { return values.get(key); }
    public Map<String, String> asMap() { return java.util.Collections.unmodifiableMap(values); }

    /** Removes and returns the value of {@code key}, or {@code def} when absent. */
    public String take(String key, String def) {
        String v = values.remove(key);
        return v == null ? def : v;
    }

    public boolean takeBool(String key, boolean def) {
        String v = values.remove(key);
        if (v == null) return def;
        return switch (v) {
            case "on", "yes", "true", "y" -> true;
            case "off", "no", "false", "n" -> false;
            default -> throw new OptionException("Parameter '" + key + "' expects 'on' or 'off'");
        };
    }

    public long takeSize(String key, long def) {
        String v = values.remove(key);
        return v == null ? def : Sizes.parse(v, key);
    }

    /** Fails naming the first option nobody took (QEMU: "Invalid parameter 'x'"). */
    public void rejectUnknown() {
        rejectUnknown(Set.of());
    }

    public void rejectUnknown(Set<String> ignored) {
        for (String k : values.keySet()) {
            if (!ignored.contains(k)) {
                throw new OptionException(group + ": Invalid parameter '" + k + "'");
            }
        }
    }

    @Override public String toString() { return group + values; }
}
