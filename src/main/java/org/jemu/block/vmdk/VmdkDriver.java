package org.jemu.block.vmdk;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.OpenContext;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * VMware VMDK driver: monolithicSparse, monolithicFlat, twoGbMaxExtentSparse, twoGbMaxExtentFlat and
 * streamOptimized images, read and write, with parent disks (parentCID / parentFileNameHint).
 * Images are created with the layout and descriptor QEMU writes.
 */
public final class VmdkDriver implements BlockDriver {
    static final long SPLIT_EXTENT_SECTORS = 4194304; // 2 GiB per twoGbMaxExtent* extent
    static final List<String> SUBFORMATS = List.of("monolithicSparse", "monolithicFlat", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "streamOptimized");
    static final List<String> ADAPTERS = List.of("ide", "lsilogic", "buslogic", "legacyESX");

    @Override public String name() { return "vmdk"; }

    @Override
    public int probe(byte[] head, String filename) {
        if (head.length < 4) return 0;
        int magic = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
        if (magic == SparseExtentHeader.MAGIC) return 100;
        if (head[0] == 'C' && head[1] == 'O' && head[2] == 'W' && head[3] == 'D') return 100;
        // a descriptor file: skip comment lines and blanks, then expect "version=N"
        int p = 0;
        while (p < head.length) {
            byte c = head[p];
            if (c == '#') {
                while (p < head.length && head[p] != '\n') p++;
                p++;
                continue;
            }
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') { p++; continue; }
            for (String v : new String[]{"version=1", "version=2", "version=3"}) {
                byte[] vb = v.getBytes(StandardCharsets.US_ASCII);
                if (p + vb.length + 1 <= head.length && java.util.Arrays.equals(head, p, p + vb.length, vb, 0, vb.length)) {
                    byte nl = head[p + vb.length];
                    if (nl == '\n' || nl == '\r') return 100;
                }
            }
            return 0;
        }
        return 0;
    }

    @Override public BlockNode open(BlockNode file, OpenContext ctx) throws IOException { return VmdkNode.open(file, ctx); }

    @Override
    public List<CreateOption> createOptions() {
        return List.of(
                new CreateOption("size", "size", "Virtual disk size", null),
                new CreateOption("adapter_type", "string", "Virtual adapter type, can be one of ide (default), lsilogic, buslogic or legacyESX", "ide"),
                new CreateOption("backing_file", "string", "File name of a base image", null),
                new CreateOption("backing_fmt", "string", "Must be 'vmdk' if present", null),
                new CreateOption("compat6", "bool", "VMDK version 6 image", "off"),
                new CreateOption("hwversion", "string", "VMDK hardware version", "undefined"),
                new CreateOption("toolsversion", "string", "VMware guest tools version", null),
                new CreateOption("subformat", "string", "VMDK flat extent format, can be one of {monolithicSparse (default) | monolithicFlat | twoGbMaxExtentSparse | twoGbMaxExtentFlat | streamOptimized} ", "monolithicSparse"),
                new CreateOption("zeroed_grain", "bool", "Enable efficient zero writes using the zeroed-grain GTE feature", "off"));
    }

    @Override
    public void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException {
        opts.take("size", null);
        String sub = opts.take("subformat", "monolithicSparse");
        String adapter = opts.take("adapter_type", "ide");
        boolean compat6 = opts.takeBool("compat6", false);
        String hw = opts.take("hwversion", null);
        String tools = opts.take("toolsversion", "2147483647");
        boolean zeroed = opts.takeBool("zeroed_grain", false);
        String backingFile = opts.take("backing_file", null);
        String backingFmt = opts.take("backing_fmt", null);
        String prealloc = opts.take("preallocation", "off");
        opts.rejectUnknown();
        if (!SUBFORMATS.contains(sub)) throw new BlockException("Invalid parameter value for 'subformat': '" + sub + "' (one of " + String.join(", ", SUBFORMATS) + ")");
        if (!ADAPTERS.contains(adapter)) throw new BlockException("Invalid parameter value for 'adapter_type': '" + adapter + "' (one of ide, lsilogic, buslogic, legacyESX)");
        if (!prealloc.equals("off")) throw new BlockException("vmdk: preallocation mode '" + prealloc + "' is not supported");
        if (compat6 && hw != null && !hw.equals("undefined")) throw new BlockException("compat6 cannot be enabled with hwversion set");
        if (hw == null || hw.equals("undefined")) hw = compat6 ? "6" : "4";
        boolean flat = sub.equals("monolithicFlat") || sub.equals("twoGbMaxExtentFlat");
        boolean split = sub.startsWith("twoGb");
        boolean compress = sub.equals("streamOptimized");
        if (flat && zeroed) throw new BlockException("Flat image can't enable zeroed grain");
        if (backingFmt != null && !backingFmt.equals("vmdk")) throw new BlockException("Invalid backing file format: " + backingFmt + ". Only vmdk is supported.");

        long parentCid = 0xffffffffL;
        if (backingFile != null) {
            if (ctx == null) throw new BlockException("vmdk: cannot open backing file '" + backingFile + "' without a context");
            try (BlockNode b = ctx.openBacking(backingFile, "vmdk")) {
                if (!(b instanceof VmdkNode v)) throw new BlockException("Invalid backing file format: " + b.formatName() + ". Only vmdk is supported.");
                parentCid = v.cid();
                if (size <= 0) size = v.size();
            }
        }
        if (size < 0) throw new BlockException("vmdk: negative image size");
        long sectors = (size + 511) / 512;
        if (sectors > 0xffffffffL * 128 && !split && !flat) throw new BlockException("vmdk: image size too large for a single sparse extent");

        String fname = path.getFileName().toString();
        int dot = fname.lastIndexOf('.');
        String prefix = dot > 0 ? fname.substring(0, dot) : fname;
        String postfix = dot > 0 ? fname.substring(dot) : "";

        VmdkDescriptor d = new VmdkDescriptor();
        d.cid = ThreadLocalRandom.current().nextLong(0x100000000L);
        d.parentCid = parentCid;
        d.createType = sub;
        d.parentFileNameHint = backingFile;
        int heads = adapter.equals("ide") ? 16 : 255;
        d.ddb.put("ddb.virtualHWVersion", hw);
        d.ddb.put("ddb.geometry.cylinders", Long.toString(size / (63L * heads * 512)));
        d.ddb.put("ddb.geometry.heads", Integer.toString(heads));
        d.ddb.put("ddb.geometry.sectors", "63");
        d.ddb.put("ddb.adapterType", adapter);
        d.ddb.put("ddb.toolsVersion", tools);

        try {
            if (!split && !flat) {
                d.extents.add(new VmdkDescriptor.Extent("RW", sectors, "SPARSE", fname, 0));
                createSparse(path, sectors, compress, zeroed, d.render());
                return;
            }
            List<Path> made = new ArrayList<>();
            long left = sectors;
            int idx = 1;
            do {
                long n = split ? Math.min(left, SPLIT_EXTENT_SECTORS) : left;
                String ext = split ? String.format("%s-%c%03d%s", prefix, flat ? 'f' : 's', idx, postfix) : prefix + "-flat" + postfix;
                Path ep = path.resolveSibling(ext);
                if (flat) {
                    d.extents.add(new VmdkDescriptor.Extent("RW", n, "FLAT", ext, 0));
                    try (FileChannel ch = FileChannel.open(ep, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                        if (n > 0) ch.write(ByteBuffer.allocate(1), n * 512 - 1);
                    }
                } else {
                    d.extents.add(new VmdkDescriptor.Extent("RW", n, "SPARSE", ext, 0));
                    createSparse(ep, n, false, zeroed, null);
                }
                made.add(ep);
                left -= n;
                idx++;
            } while (left > 0);
            Files.writeString(path, d.render(), StandardCharsets.UTF_8);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BlockException("Could not create '" + e.getFile() + "': No such file or directory");
        }
    }

    /** Writes an empty hosted sparse extent laid out as QEMU does (embedded descriptor area, RGD+GTs, GD+GTs). */
    static void createSparse(Path p, long sectors, boolean compress, boolean zeroed, String descriptor) throws IOException {
        SparseExtentHeader h = new SparseExtentHeader();
        h.version = compress ? 3 : zeroed ? 2 : 1;
        h.flags = SparseExtentHeader.FLAG_VALID_NEWLINE_DETECTION | SparseExtentHeader.FLAG_REDUNDANT_GRAIN_TABLE
                | (compress ? SparseExtentHeader.FLAG_COMPRESSED_GRAINS | SparseExtentHeader.FLAG_MARKERS : 0)
                | (zeroed ? SparseExtentHeader.FLAG_ZEROED_GRAIN_GTE : 0);
        h.compressAlgorithm = compress ? SparseExtentHeader.COMPRESSION_DEFLATE : SparseExtentHeader.COMPRESSION_NONE;
        h.capacity = sectors;
        h.grainSize = 128;
        h.numGTEsPerGT = 512;
        long grains = SparseExtent.ceilDiv(sectors, h.grainSize);
        long gtSize = SparseExtent.ceilDiv(h.numGTEsPerGT * 4L, 512);
        long gtCount = SparseExtent.ceilDiv(grains, h.numGTEsPerGT);
        long gdSectors = SparseExtent.ceilDiv(gtCount * 4, 512);
        h.descriptorOffset = 1;
        h.descriptorSize = 20;
        h.rgdOffset = h.descriptorOffset + h.descriptorSize;
        h.gdOffset = h.rgdOffset + gdSectors + gtSize * gtCount;
        h.overHead = (h.gdOffset + gdSectors + gtSize * gtCount + h.grainSize - 1) / h.grainSize * h.grainSize;
        if (gtCount > SparseExtent.MAX_GD_ENTRIES) throw new BlockException("vmdk: image too large");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(h.encode(), 0);
            if (descriptor != null) {
                byte[] t = descriptor.getBytes(StandardCharsets.UTF_8);
                if (t.length > h.descriptorSize * 512) throw new BlockException("vmdk: descriptor too long");
                ch.write(ByteBuffer.wrap(t), h.descriptorOffset * 512);
            }
            writeGd(ch, h.rgdOffset, gdSectors, gtCount, gtSize);
            writeGd(ch, h.gdOffset, gdSectors, gtCount, gtSize);
            if (ch.size() < h.overHead * 512) ch.write(ByteBuffer.allocate(1), h.overHead * 512 - 1);
        }
    }

    private static void writeGd(FileChannel ch, long gdOffset, long gdSectors, long gtCount, long gtSize) throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) (gdSectors * 512)).order(ByteOrder.LITTLE_ENDIAN);
        long t = gdOffset + gdSectors;
        for (long i = 0; i < gtCount; i++, t += gtSize) b.putInt((int) t);
        b.clear();
        long pos = gdOffset * 512;
        while (b.hasRemaining()) pos += ch.write(b, pos);
    }
}
