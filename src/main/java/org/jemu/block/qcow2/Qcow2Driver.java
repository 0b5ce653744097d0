package org.jemu.block.qcow2;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.CacheMode;
import org.jemu.block.OpenContext;
import org.jemu.block.file.FileNode;
import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/** The qcow2 format driver: probe by magic, open (validating the header), create with QEMU's layout and options. */
public final class Qcow2Driver implements BlockDriver {
    @Override public String name() { return "qcow2"; }

    @Override
    public int probe(byte[] head, String filename) {
        if (head.length >= 8 && ByteBuffer.wrap(head).getInt(0) == QcowHeader.QCOW_MAGIC && ByteBuffer.wrap(head).getInt(4) >= 2) return 100;
        return 0;
    }

    @Override
    public BlockNode open(BlockNode file, OpenContext ctx) throws IOException {
        long fsz = file.size();
        QcowHeader h = QcowHeader.parse(readFirstCluster(file, fsz), fsz);
        BlockNode backing = null;
        if (h.backingFile != null && !h.backingFile.isEmpty()) {
            backing = ctx.openBacking(h.backingFile, h.backingFormat);
        }
        try {
            Qcow2Node node = new Qcow2Node(file, h, backing, file.readOnly());
            if (!node.readOnly() && node.dirtyFlag()) {
                // QEMU repairs an image left dirty (lazy refcounts) when it opens it read-write
                node.check(Qcow2Check.FIX_LEAKS | Qcow2Check.FIX_ERRORS);
                h.incompatible_features &= ~QcowHeader.QCOW2_INCOMPAT_DIRTY;
                file.write(72, ByteBuffer.allocate(8).putLong(0, h.incompatible_features));
                file.flush();
            }
            return node;
        } catch (IOException | RuntimeException e) {
            if (backing != null) backing.close();
            throw e;
        }
    }

    /**
     * The bytes the header parser looks at: the first cluster (header, extensions and backing file name
     * all lie in it), or the whole file if shorter. 64 KiB are read first and the rest of a larger cluster
     * after it; reading 2 MiB whatever the cluster size took 19-33 ms of every open (a 2 MiB heap array
     * and the JDK's 2 MiB temporary direct buffer, both faulted in: timestamps, convert qcow2 -> raw).
     */
    private static byte[] readFirstCluster(BlockNode file, long fsz) throws IOException {
        byte[] buf = new byte[(int) Math.min(fsz, 64 << 10)];
        file.read(0, ByteBuffer.wrap(buf));
        int bits = buf.length >= 24 ? ByteBuffer.wrap(buf).getInt(20) : 0;
        if (bits > 16 && bits <= 21 && fsz > buf.length) {
            byte[] all = java.util.Arrays.copyOf(buf, (int) Math.min(fsz, 1L << bits));
            file.read(buf.length, ByteBuffer.wrap(all, buf.length, all.length - buf.length).slice());
            buf = all;
        }
        return buf;
    }

    /** Parsed creation options. */
    record CreateOpts(int version, int clusterBits, int refcountOrder, boolean lazyRefcounts, int compressionType,
                      boolean extendedL2, String preallocation, String backingFile, String backingFmt) {}

    static CreateOpts parseOpts(QemuOpts o) throws BlockException {
        try {
            String compat = o == null ? "1.1" : o.take("compat", "1.1");
            int version = switch (compat) {
                case "0.10", "v2" -> 2;
                case "1.1", "v3" -> 3;
                default -> throw new BlockException("Parameter 'version' does not accept value '" + compat + "'");
            };
            long csz = o == null ? 65536 : o.takeSize("cluster_size", 65536);
            if (csz < 512 || csz > (2 << 20) || Long.bitCount(csz) != 1) {
                throw new BlockException("Cluster size must be a power of two between 512 and 2048k");
            }
            int cb = Long.numberOfTrailingZeros(csz);
            String rb = o == null ? "16" : o.take("refcount_bits", "16");
            long refBits;
            try { refBits = Long.parseLong(rb); } catch (NumberFormatException e) { throw new BlockException("Parameter 'refcount_bits' expects a number"); }
            if (refBits < 1 || refBits > 64 || Long.bitCount(refBits) != 1) {
                throw new BlockException("Refcount width must be a power of two and may not exceed 64 bits");
            }
            if (version < 3 && refBits != 16) {
                throw new BlockException("Different refcount widths than 16 bits require compatibility level 1.1 or above (use version=v3 or greater)");
            }
            boolean lazy = o != null && o.takeBool("lazy_refcounts", false);
            if (lazy && version < 3) {
                throw new BlockException("Lazy refcounts only supported with compatibility level 1.1 and above (use version=v3 or greater)");
            }
            String ct = o == null ? "zlib" : o.take("compression_type", "zlib");
            int ctype = switch (ct) {
                case "zlib" -> QcowHeader.QCOW2_COMPRESSION_TYPE_ZLIB;
                case "zstd" -> QcowHeader.QCOW2_COMPRESSION_TYPE_ZSTD;
                default -> throw new BlockException("Parameter 'compression-type' does not accept value '" + ct + "'");
            };
            if (version < 3 && ctype != 0) {
                throw new BlockException("Non-zlib compression type is only supported with compatibility level 1.1 and above (use version=v3 or greater)");
            }
            boolean ext = o != null && o.takeBool("extended_l2", false);
            if (ext && version < 3) throw new BlockException("Extended L2 entries are only supported with compatibility level 1.1 and above (use version=v3 or greater)");
            if (ext && cb < 14) throw new BlockException("Extended L2 entries are only supported with cluster sizes of at least 16384 bytes");
            String pre = o == null ? "off" : o.take("preallocation", "off");
            if (!List.of("off", "metadata", "falloc", "full").contains(pre)) {
                throw new BlockException("Parameter 'preallocation' does not accept value '" + pre + "'");
            }
            String bf = o == null ? null : o.take("backing_file", null);
            String bfmt = o == null ? null : o.take("backing_fmt", null);
            if (bf != null && !pre.equals("off")) throw new BlockException("Backing file and preallocation can only be used at the same time if extended_l2 is on");
            if (o != null) {
                for (String k : List.of("data_file", "data_file_raw", "encryption", "encrypt.format", "encrypt.key-secret")) {
                    if (o.has(k)) throw new BlockException("qcow2 option '" + k + "' is not supported by jemu-img");
                }
                o.rejectUnknown();
            }
            return new CreateOpts(version, cb, Integer.numberOfTrailingZeros((int) refBits), lazy, ctype, ext, pre, bf, bfmt);
        } catch (OptionException e) {
            throw new BlockException(e.getMessage().replaceFirst("^create: ", ""));
        }
    }

    @Override
    public void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException {
        CreateOpts c = parseOpts(opts);
        byte[] hdr = prepare(path, c, ctx);
        // The new image is built with its writes in dependency order (a killed process leaves no image
        // or leaks only) but without a data sync between the steps: each fdatasync of the growing new file
        // cost ~3.5 ms (8 of them: ~25 ms of every create and convert); one sync at the end makes the whole
        // image durable, as QEMU's create leaves it.
        try (FileNode f = FileNode.open(path, false, CacheMode.UNSAFE)) {
            build(f, c, hdr, size).close();
        }
        try (FileNode f = FileNode.open(path, false, CacheMode.WRITEBACK)) {
            f.flush();
        }
    }

    /**
     * convert's target: with cache mode {@code unsafe} (convert's default, flushes ignored) and no backing
     * file, the image is created and returned open on the same file node, without the final sync of
     * {@link #create} and without opening and probing it again (the node's state is what opening the
     * image reads: the header and tables just written). Otherwise null: {@link #create}, then open.
     */
    @Override
    public BlockNode createOpen(Path path, long size, QemuOpts opts, OpenContext ctx, CacheMode cache) throws IOException {
        if (cache != CacheMode.UNSAFE || opts != null && opts.has("backing_file")) return null;
        CreateOpts c = parseOpts(opts);
        byte[] hdr = prepare(path, c, ctx);
        FileNode f = FileNode.open(path, false, CacheMode.UNSAFE);
        try {
            return build(f, c, hdr, size);
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }

    /** The header of a new image (its backing file, if any, must exist: QEMU opens it to check); creates the empty file. */
    private static byte[] prepare(Path path, CreateOpts c, OpenContext ctx) throws IOException {
        int cs = 1 << c.clusterBits();
        QcowHeader h = new QcowHeader();
        h.version = c.version();
        h.cluster_bits = c.clusterBits();
        h.size = 0;
        h.refcount_order = c.refcountOrder();
        h.refcount_table_offset = cs;
        h.refcount_table_clusters = 1;
        h.compression_type = c.compressionType();
        if (c.compressionType() != 0) h.incompatible_features |= QcowHeader.QCOW2_INCOMPAT_COMPRESSION;
        if (c.extendedL2()) h.incompatible_features |= QcowHeader.QCOW2_INCOMPAT_EXTL2;
        if (c.lazyRefcounts()) h.compatible_features |= QcowHeader.QCOW2_COMPAT_LAZY_REFCOUNTS;
        h.backingFile = c.backingFile();
        h.backingFormat = c.backingFmt();
        byte[] hdr = h.encode();
        if (c.backingFile() != null) {
            try (BlockNode b = ctx.openBacking(c.backingFile(), c.backingFmt())) {
                assert b != null;
            }
        }
        FileNode.create(path, 0);
        return hdr;
    }

    /**
     * Writes a new image into the empty file {@code f} (opened with cache mode unsafe: no sync between the
     * steps) and returns it open: refcount block and table first, the header last (a crash before it
     * leaves no image at all), then the size (the L1 table) and any preallocation, flushed.
     */
    private static Qcow2Node build(FileNode f, CreateOpts c, byte[] hdr, long size) throws IOException {
        size = (size + 511) & ~511L; // QEMU keeps qcow2 sizes in 512-byte sectors
        int cs = 1 << c.clusterBits();
        QcowHeader h = QcowHeader.parse(hdr, Long.MAX_VALUE);
        byte[] rb = new byte[cs];
        // clusters 0 (header), 1 (refcount table), 2 (refcount block) have refcount 1
        Qcow2Node.setRefcountRaw(rb, h.refcount_order, 0, 1);
        Qcow2Node.setRefcountRaw(rb, h.refcount_order, 1, 1);
        Qcow2Node.setRefcountRaw(rb, h.refcount_order, 2, 1);
        f.write(2L * cs, ByteBuffer.wrap(rb));
        ByteBuffer rt = ByteBuffer.allocate(cs);
        rt.putLong(0, 2L * cs);
        f.write(cs, rt);
        f.write(0, ByteBuffer.wrap(hdr));
        Qcow2Node node = new Qcow2Node(f, QcowHeader.parse(hdr, f.size()), null, false);
        try {
            node.truncate(size, false);
            if (!c.preallocation().equals("off")) node.preallocate(c.preallocation());
            node.flush();
            return node;
        } catch (IOException | RuntimeException e) {
            node.close();
            throw e;
        }
    }

    @Override
    public List<CreateOption> createOptions() {
        return List.of(
                new CreateOption("backing_file", "str", "File name of a base image", null),
                new CreateOption("backing_fmt", "str", "Image format of the base image", null),
                new CreateOption("cluster_size", "size", "qcow2 cluster size", "65536"),
                new CreateOption("compat", "str", "Compatibility level (v2 [0.10] or v3 [1.1])", "1.1"),
                new CreateOption("compression_type", "str", "Compression method used for image cluster compression", "zlib"),
                new CreateOption("extended_l2", "bool (on/off)", "Extended L2 tables", "off"),
                new CreateOption("lazy_refcounts", "bool (on/off)", "Postpone refcount updates", "off"),
                new CreateOption("preallocation", "str", "Preallocation mode (allowed values: off, metadata, falloc, full)", "off"),
                new CreateOption("refcount_bits", "num", "Width of a reference count entry in bits", "16"),
                new CreateOption("size", "size", "Virtual disk size", null));
    }

    /** Opens a qcow2 image by name (convenience for tools and tests). */
    public static Qcow2Node openImage(String filename, boolean readOnly) throws IOException {
        BlockNode n = BlockDrivers.open(filename, "qcow2", readOnly, BlockDrivers.Options.DEFAULT);
        return (Qcow2Node) n;
    }
}
