package org.jemu.util;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A flattened device tree (Devicetree Specification v0.4, chapter 5) built in memory and serialized as
 * a version-17 DTB blob: header, memory reservation block, structure block (FDT_BEGIN_NODE,
 * FDT_PROP, FDT_END_NODE, FDT_END tokens, big-endian), strings block.
 *
 * <p>Nodes keep the order in which they were added; property values are raw bytes with helpers for
 * the usual encodings (u32 cells, u64 pairs, string lists).
 */
public final class Fdt {
    static final int FDT_MAGIC = 0xd00dfeed;
    static final int FDT_BEGIN_NODE = 1, FDT_END_NODE = 2, FDT_PROP = 3, FDT_END = 9;

    /** One node: a name (with unit address) and ordered properties and children. */
    public static final class Node {
        public final String name;
        final LinkedHashMap<String, byte[]> props = new LinkedHashMap<>();
        final List<Node> children = new ArrayList<>();

        Node(String name) { this.name = name; }

        public Node child(String name) {
            for (Node c : children) if (c.name.equals(name)) return c;
            Node n = new Node(name);
            children.add(n);
            return n;
        }

        public Node prop(String name, byte[] value) { props.put(name, value); return this; }
        public Node empty(String name) { return prop(name, new byte[0]); }

        public Node u32(String name, long... cells) {
            ByteBuffer b = ByteBuffer.allocate(cells.length * 4);
            for (long c : cells) b.putInt((int) c);
            return prop(name, b.array());
        }

        public Node u64(String name, long... values) {
            ByteBuffer b = ByteBuffer.allocate(values.length * 8);
            for (long v : values) b.putLong(v);
            return prop(name, b.array());
        }

        /** One string or a string list ("a\0b\0"). */
        public Node str(String name, String... values) {
            ByteArrayOutputStream o = new ByteArrayOutputStream();
            for (String s : values) { o.writeBytes(s.getBytes(StandardCharsets.UTF_8)); o.write(0); }
            return prop(name, o.toByteArray());
        }

        /** Reverses the order of the children added so far. */
        public void reverseChildren() { java.util.Collections.reverse(children); }

        public byte[] get(String name) { return props.get(name); }
        public Map<String, byte[]> properties() { return java.util.Collections.unmodifiableMap(props); }
        public List<Node> children() { return java.util.Collections.unmodifiableList(children); }
    }

    private final Node root = new Node("");
    private int nextPhandle = 1;
    private int bootCpuid;

    public Node root() { return root; }

    /** Allocates the next phandle (1, 2, 3 …, as QEMU's qemu_fdt_alloc_phandle). */
    public int allocPhandle() { return nextPhandle++; }

    public void setBootCpuid(int id) { bootCpuid = id; }

    /** Finds a node by absolute path ("/soc/serial@10000000"), or null. */
    public Node find(String path) {
        Node n = root;
        for (String part : path.split("/")) {
            if (part.isEmpty()) continue;
            Node next = null;
            for (Node c : n.children) if (c.name.equals(part)) next = c;
            if (next == null) return null;
            n = next;
        }
        return n;
    }

    /** Serializes to a DTB blob, padded with {@code extraSpace} free bytes at the end (totalsize includes them). */
    public byte[] toDtb(int extraSpace) {
        ByteArrayOutputStream struct = new ByteArrayOutputStream();
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        Map<String, Integer> stringOffsets = new LinkedHashMap<>();
        writeNode(root, struct, strings, stringOffsets);
        putInt(struct, FDT_END);
        byte[] st = struct.toByteArray();
        byte[] str = strings.toByteArray();
        int headerSize = 40;
        int rsvOff = align(headerSize, 8);
        int rsvSize = 16; // one terminating (0,0) entry
        int structOff = rsvOff + rsvSize;
        int stringsOff = structOff + st.length;
        int total = stringsOff + str.length + extraSpace;
        ByteBuffer b = ByteBuffer.allocate(total);
        b.putInt(FDT_MAGIC).putInt(total).putInt(structOff).putInt(stringsOff).putInt(rsvOff)
                .putInt(17).putInt(16).putInt(bootCpuid).putInt(str.length).putInt(st.length);
        b.position(rsvOff).putLong(0).putLong(0);
        b.put(st).put(str);
        return b.array();
    }

    private static void writeNode(Node n, ByteArrayOutputStream o, ByteArrayOutputStream strings, Map<String, Integer> offs) {
        putInt(o, FDT_BEGIN_NODE);
        byte[] nm = n.name.getBytes(StandardCharsets.UTF_8);
        o.writeBytes(nm);
        o.write(0);
        pad(o);
        for (var e : n.props.entrySet()) {
            Integer off = offs.get(e.getKey());
            if (off == null) {
                off = strings.size();
                offs.put(e.getKey(), off);
                strings.writeBytes(e.getKey().getBytes(StandardCharsets.UTF_8));
                strings.write(0);
            }
            putInt(o, FDT_PROP);
            putInt(o, e.getValue().length);
            putInt(o, off);
            o.writeBytes(e.getValue());
            pad(o);
        }
        for (Node c : n.children) writeNode(c, o, strings, offs);
        putInt(o, FDT_END_NODE);
    }

    private static void putInt(ByteArrayOutputStream o, int v) {
        o.write(v >>> 24); o.write(v >>> 16); o.write(v >>> 8); o.write(v);
    }

    private static void pad(ByteArrayOutputStream o) { while ((o.size() & 3) != 0) o.write(0); }

    private static int align(int v, int a) { return (v + a - 1) & -a; }
}
