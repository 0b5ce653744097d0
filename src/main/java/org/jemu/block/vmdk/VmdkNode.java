package org.jemu.block.vmdk;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.BlockStatus;
import org.jemu.block.ImageCheck;
import org.jemu.block.OpenContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * An open VMDK disk: a descriptor (embedded in a monolithic sparse file, or a text file naming the
 * extents) and its extents laid end to end, optionally over a parent disk (parentFileNameHint) that
 * supplies unallocated grains. As QEMU does, the CID is changed on the first write of every open.
 */
public final class VmdkNode implements BlockNode {
    private final BlockNode descFile;       // the node the image was opened on
    private final long descOffset;          // where the descriptor text lives in descFile
    private final long descCapacity;        // bytes available for it (embedded), or -1 for a descriptor file
    private final VmdkDescriptor desc;
    private final List<VmdkExtent> extents;
    private final long[] starts;
    private final long size;
    private final boolean readOnly;
    private final BlockNode backing;
    private boolean cidUpdated;
    private boolean closed;

    private VmdkNode(BlockNode descFile, long descOffset, long descCapacity, VmdkDescriptor desc,
                     List<VmdkExtent> extents, boolean readOnly, BlockNode backing) {
        this.descFile = descFile; this.descOffset = descOffset; this.descCapacity = descCapacity; this.desc = desc;
        this.extents = extents; this.readOnly = readOnly; this.backing = backing;
        this.starts = new long[extents.size()];
        long s = 0;
        for (int i = 0; i < extents.size(); i++) { starts[i] = s; s += extents.get(i).bytes(); }
        this.size = s;
    }

    static final long MAX_DESCRIPTOR_FILE = 1 << 20;

    static VmdkNode open(BlockNode file, OpenContext ctx) throws IOException {
        boolean ro = file.readOnly() || (ctx != null && ctx.readOnly());
        long fileSize = file.size();
        Path imagePath = ctx == null ? null : ctx.imagePath();
        String imageName = imagePath == null ? "" : imagePath.toString();
        byte[] first = new byte[512];
        file.read(0, ByteBuffer.wrap(first));
        int magic = ByteBuffer.wrap(first).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(0);
        List<VmdkExtent> extents = new ArrayList<>();
        try {
            if (fileSize >= 4 && magic == SparseExtentHeader.MAGIC) {
                if (fileSize < 512) throw new BlockException("vmdk: image is truncated (" + fileSize + " bytes, the header needs 512)");
                SparseExtentHeader h = SparseExtentHeader.decode(first, 0);
                VmdkDescriptor d;
                long descOff = 0, descCap = 0;
                if (h.descriptorOffset > 0) {
                    if (h.descriptorSize <= 0 || h.descriptorSize > MAX_DESCRIPTOR_FILE / 512
                            || h.descriptorOffset > VmdkDescriptor.MAX_SECTORS || h.descriptorOffset * 512 + h.descriptorSize * 512 > fileSize) {
                        throw new BlockException("vmdk: embedded descriptor (sector " + h.descriptorOffset + ", " + h.descriptorSize + " sectors) lies outside the file or is too large");
                    }
                    descOff = h.descriptorOffset * 512;
                    descCap = h.descriptorSize * 512;
                    byte[] t = new byte[(int) descCap];
                    file.read(descOff, ByteBuffer.wrap(t));
                    d = VmdkDescriptor.parse(cstring(t));
                } else {
                    d = new VmdkDescriptor();
                    d.cid = 0xfffffffeL;
                }
                if (d.createType == null) d.createType = "monolithicSparse";
                SparseExtent e = SparseExtent.open("", imageName, file, first, -1, !ro);
                extents.add(e);
                return finish(file, descOff, descCap, d, extents, ro, ctx);
            }
            if (fileSize >= 4 && (first[0] == 'C' && first[1] == 'O' && first[2] == 'W' && first[3] == 'D')) {
                throw new BlockException("vmdk: VMDK3 (COWD) sparse images are not supported");
            }
            if (fileSize > MAX_DESCRIPTOR_FILE) throw new BlockException("vmdk: not a VMDK image: no sparse header and too large (" + fileSize + " bytes) for a descriptor file");
            byte[] t = new byte[(int) fileSize];
            file.read(0, ByteBuffer.wrap(t));
            String text = cstring(t);
            if (!text.contains("createType")) throw new BlockException("vmdk: invalid VMDK image descriptor (no createType)");
            VmdkDescriptor d = VmdkDescriptor.parse(text);
            if (d.createType == null) throw new BlockException("vmdk: invalid VMDK image descriptor (no createType)");
            switch (d.createType) {
                case "monolithicFlat", "vmfs", "twoGbMaxExtentSparse", "twoGbMaxExtentFlat", "monolithicSparse", "streamOptimized" -> {}
                default -> throw new BlockException("Unsupported image type '" + d.createType + "'");
            }
            if (d.extents.isEmpty()) throw new BlockException("vmdk: the descriptor describes no extents");
            long total = 0;
            for (VmdkDescriptor.Extent x : d.extents) {
                total += x.sectors();
                if (total > VmdkDescriptor.MAX_SECTORS || total < 0) throw new BlockException("vmdk: the extents add up to an absurd size");
                if (x.access().equals("NOACCESS")) throw new BlockException("vmdk: NOACCESS extents are not supported: \"" + x.filename() + "\"");
                boolean w = !ro && x.access().equals("RW");
                if (x.type().equals("ZERO")) { extents.add(new VmdkExtent.Zero(x.sectors())); continue; }
                String shown = siblingName(imageName, x.filename());
                if (ctx == null) throw new BlockException("vmdk: cannot open extent '" + x.filename() + "' without a file context");
                BlockNode ef = ctx.openFile(shown, !w);
                try {
                    switch (x.type()) {
                        case "FLAT", "VMFS" -> extents.add(new VmdkExtent.Flat(x.type(), shown, ef, x.sectors(), x.offset(), w));
                        case "SPARSE" -> {
                            byte[] h = new byte[512];
                            if (ef.size() < 512) throw new BlockException("vmdk: sparse extent '" + shown + "' is truncated (" + ef.size() + " bytes)");
                            ef.read(0, ByteBuffer.wrap(h));
                            extents.add(SparseExtent.open("SPARSE", shown, ef, h, x.sectors(), w));
                        }
                        default -> throw new BlockException("vmdk: unsupported extent type " + x.type() + " for '" + x.filename() + "'");
                    }
                } catch (IOException | RuntimeException e) {
                    ef.close();
                    throw e;
                }
            }
            return finish(file, 0, -1, d, extents, ro, ctx);
        } catch (IOException | RuntimeException e) {
            for (VmdkExtent x : extents) {
                if (x instanceof SparseExtent s && s.file() == file) continue;
                try { x.close(); } catch (IOException ignored) { }
            }
            throw e;
        }
    }

    private static VmdkNode finish(BlockNode file, long descOff, long descCap, VmdkDescriptor d, List<VmdkExtent> extents,
                                   boolean ro, OpenContext ctx) throws IOException {
        BlockNode backing = null;
        if (d.parentFileNameHint != null && !d.parentFileNameHint.isEmpty()) {
            if (ctx == null) throw new BlockException("vmdk: cannot open parent '" + d.parentFileNameHint + "' without a file context");
            backing = ctx.openBacking(d.parentFileNameHint, "vmdk");
        }
        return new VmdkNode(file, descOff, descCap, d, extents, ro, backing);
    }

    static String cstring(byte[] t) {
        int n = 0;
        while (n < t.length && t[n] != 0) n++;
        return new String(t, 0, n, StandardCharsets.UTF_8);
    }

    /** QEMU's path_combine: an extent name relative to the descriptor's directory. */
    static String siblingName(String imageName, String name) {
        if (name.startsWith("/") || imageName.isEmpty()) return name;
        int slash = imageName.lastIndexOf('/');
        return slash < 0 ? name : imageName.substring(0, slash + 1) + name;
    }

    @Override public String formatName() { return "vmdk"; }
    @Override public long size() { return size; }
    @Override public boolean readOnly() { return readOnly; }
    @Override public BlockNode backing() { return backing; }
    @Override public String backingFilename() { return desc.parentFileNameHint; }
    /** QEMU reports "vmdk" as the backing format of every vmdk parent. */
    @Override public String backingFormat() { return desc.parentFileNameHint == null ? null : "vmdk"; }
    public long cid() { return desc.cid; }
    public long parentCid() { return desc.parentCid; }
    public String createType() { return desc.createType; }

    /** Grain size of the first sparse extent (qemu-img's cluster_size), 0 if the disk has none. */
    @Override public long clusterSize() {
        for (VmdkExtent e : extents) if (e instanceof SparseExtent s) return s.grainBytes;
        return 0;
    }

    private void checkRange(long offset, long len) throws BlockException {
        if (offset < 0 || len < 0 || offset > size || len > size - offset) {
            throw new BlockException("vmdk: access at " + offset + "+" + len + " is beyond the end of the image (" + size + " bytes)");
        }
    }

    private int extentAt(long offset) {
        int lo = 0, hi = starts.length - 1;
        while (lo < hi) {
            int mid = (lo + hi + 1) >>> 1;
            if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
        }
        return lo;
    }

    private void readBacking(long offset, ByteBuffer dst) throws IOException {
        if (backing == null) { while (dst.hasRemaining()) dst.put((byte) 0); return; }
        long bsize = backing.size();
        if (offset < bsize) {
            int n = (int) Math.min(dst.remaining(), bsize - offset);
            ByteBuffer p = dst.slice(dst.position(), n);
            backing.read(offset, p);
            dst.position(dst.position() + n);
        }
        while (dst.hasRemaining()) dst.put((byte) 0);
    }

    @Override
    public synchronized void read(long offset, ByteBuffer dst) throws IOException {
        checkRange(offset, dst.remaining());
        while (dst.hasRemaining()) {
            int i = extentAt(offset);
            VmdkExtent e = extents.get(i);
            long in = offset - starts[i];
            long max = Math.min(dst.remaining(), e.bytes() - in);
            VmdkExtent.Run r = e.lookup(in, max);
            int n = (int) r.length();
            ByteBuffer part = dst.slice(dst.position(), n);
            switch (r.kind()) {
                case VmdkExtent.UNALLOCATED -> readBacking(offset, part);
                case VmdkExtent.ZERO -> { while (part.hasRemaining()) part.put((byte) 0); }
                case VmdkExtent.DATA -> ((e instanceof SparseExtent s) ? s.file() : ((VmdkExtent.Flat) e).file).read(r.host(), part);
                default -> e.readCompressed(r, in, part);
            }
            dst.position(dst.position() + n);
            offset += n;
        }
    }

    private void updateCid() throws IOException {
        if (cidUpdated) return;
        cidUpdated = true;
        long newCid = ThreadLocalRandom.current().nextLong(0x100000000L);
        byte[] old;
        if (descCapacity == 0) { desc.cid = newCid; return; } // no descriptor to rewrite
        if (descCapacity > 0) {
            old = new byte[(int) descCapacity];
            descFile.read(descOffset, ByteBuffer.wrap(old));
        } else {
            old = new byte[(int) descFile.size()];
            descFile.read(0, ByteBuffer.wrap(old));
        }
        String text = cstring(old);
        String updated = text.replaceFirst("(?m)^CID=[^\\r\\n]*", String.format("CID=%08x", newCid));
        if (updated.equals(text)) { desc.cid = newCid; return; }
        byte[] nb = updated.getBytes(StandardCharsets.UTF_8);
        int textLen = text.getBytes(StandardCharsets.UTF_8).length;
        if (descCapacity > 0 && nb.length > descCapacity) return;
        byte[] out = nb;
        if (nb.length < textLen) {
            out = java.util.Arrays.copyOf(nb, textLen);
            java.util.Arrays.fill(out, nb.length, textLen, descCapacity > 0 ? (byte) 0 : (byte) '\n');
        }
        descFile.write(descOffset, ByteBuffer.wrap(out));
        desc.cid = newCid;
    }

    @Override
    public synchronized void write(long offset, ByteBuffer src) throws IOException {
        if (readOnly) throw new BlockException("vmdk: image is read-only");
        checkRange(offset, src.remaining());
        updateCid();
        while (src.hasRemaining()) {
            int i = extentAt(offset);
            VmdkExtent e = extents.get(i);
            if (!e.writable) throw new BlockException("vmdk: extent '" + e.filename + "' is read-only");
            long in = offset - starts[i];
            int n = (int) Math.min(src.remaining(), e.bytes() - in);
            ByteBuffer part = src.slice(src.position(), n);
            long base = starts[i];
            e.write(in, part, (eo, dst) -> readBacking(base + eo, dst));
            src.position(src.position() + n);
            offset += n;
        }
    }

    @Override
    public synchronized void writeZeroes(long offset, long length) throws IOException {
        if (readOnly) throw new BlockException("vmdk: image is read-only");
        checkRange(offset, length);
        while (length > 0) {
            int i = extentAt(offset);
            VmdkExtent e = extents.get(i);
            long in = offset - starts[i];
            long n = Math.min(length, e.bytes() - in);
            if (e instanceof SparseExtent s && s.zeroedGrain && e.writable) {
                long g = s.grainBytes;
                long a = (in + g - 1) / g * g, b = (in + n) / g * g;
                if (a < b) {
                    if (a > in) BlockNode.super.writeZeroes(offset, a - in);
                    updateCid();
                    if (!s.zeroGrains(a, b - a)) BlockNode.super.writeZeroes(starts[i] + a, b - a);
                    if (in + n > b) BlockNode.super.writeZeroes(starts[i] + b, in + n - b);
                    offset += n;
                    length -= n;
                    continue;
                }
            }
            BlockNode.super.writeZeroes(offset, n);
            offset += n;
            length -= n;
        }
    }

    @Override
    public synchronized void flush() throws IOException {
        if (readOnly) return;
        for (VmdkExtent e : extents) e.flush();
        descFile.flush();
    }

    @Override
    public synchronized BlockStatus blockStatus(long offset, long length) throws IOException {
        checkRange(offset, length);
        int i = extentAt(offset);
        VmdkExtent e = extents.get(i);
        long in = offset - starts[i];
        long max = Math.min(length, e.bytes() - in);
        VmdkExtent.Run r = e.lookup(in, max);
        long n = r.length();
        // merge following runs of the same kind within this extent (bounded work per call)
        int steps = 0;
        while (n < max && steps++ < 65536) {
            VmdkExtent.Run r2 = e.lookup(in + n, max - n);
            if (r2.kind() != r.kind()) break;
            if (r.kind() == VmdkExtent.DATA && r2.host() != r.host() + n) break;
            n += r2.length();
        }
        return switch (r.kind()) {
            case VmdkExtent.UNALLOCATED -> {
                if (backing == null) yield new BlockStatus(n, false, true, false, 0, -1);
                long bsize = backing.size();
                if (offset >= bsize) yield new BlockStatus(n, false, true, false, 1, -1);
                BlockStatus b = backing.blockStatus(offset, Math.min(n, bsize - offset));
                yield new BlockStatus(b.length(), b.data(), b.zero(), false, b.depth() + 1, b.hostOffset());
            }
            case VmdkExtent.ZERO -> new BlockStatus(n, false, true, true, 0, -1);
            case VmdkExtent.DATA -> {
                // as QEMU's block layer: holes of the extent file read as zeroes (and end the run)
                BlockNode f = e instanceof SparseExtent sp ? sp.file() : ((VmdkExtent.Flat) e).file;
                BlockStatus fs = f.blockStatus(r.host(), n);
                yield new BlockStatus(Math.max(1, Math.min(n, fs.length())), true, fs.zero() && !fs.data(), true, 0, r.host());
            }
            default -> new BlockStatus(n, true, false, true, 0, -1);
        };
    }

    @Override
    public long allocatedFileSize() throws IOException {
        Map<BlockNode, Boolean> seen = new IdentityHashMap<>();
        long total = 0;
        List<BlockNode> nodes = new ArrayList<>();
        nodes.add(descFile);
        for (VmdkExtent e : extents) {
            if (e instanceof SparseExtent s) nodes.add(s.file());
            else if (e instanceof VmdkExtent.Flat f) nodes.add(f.file);
        }
        for (BlockNode n : nodes) {
            if (seen.put(n, Boolean.TRUE) != null) continue;
            long a = n.allocatedFileSize();
            if (a < 0) return -1;
            total += a;
        }
        return total;
    }

    /** QEMU's vmdk check: every allocated grain must lie inside its extent file. */
    @Override
    public synchronized ImageCheck check(int fix) throws IOException {
        ImageCheck r = new ImageCheck();
        long base = 0;
        for (VmdkExtent e : extents) {
            if (e instanceof SparseExtent s) s.check(base, r);
            base += e.bytes();
        }
        return r;
    }

    @Override
    public Map<String, Object> formatSpecificInfo() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cid", desc.cid);
        m.put("parent-cid", desc.parentCid);
        m.put("create-type", desc.createType);
        List<Map<String, Object>> xs = new ArrayList<>();
        for (VmdkExtent e : extents) {
            Map<String, Object> x = new LinkedHashMap<>();
            if (e instanceof SparseExtent s && s.compressed) x.put("compressed", true);
            x.put("virtual-size", e.bytes());
            x.put("filename", e.filename);
            if (e instanceof SparseExtent s) x.put("cluster-size", s.grainBytes);
            x.put("format", e.type);
            xs.add(x);
        }
        m.put("extents", xs);
        return m;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        IOException err = null;
        for (VmdkExtent e : extents) {
            if (e instanceof SparseExtent s && s.file() == descFile) continue;
            try { e.close(); } catch (IOException x) { if (err == null) err = x; }
        }
        for (VmdkExtent e : extents) {
            if (e instanceof SparseExtent s && s.file() == descFile) {
                try { e.close(); } catch (IOException x) { if (err == null) err = x; }
            }
        }
        boolean descIsExtent = extents.stream().anyMatch(e -> e instanceof SparseExtent s && s.file() == descFile);
        if (!descIsExtent) {
            try { descFile.close(); } catch (IOException x) { if (err == null) err = x; }
        }
        if (backing != null) {
            try { backing.close(); } catch (IOException x) { if (err == null) err = x; }
        }
        if (err != null) throw err;
    }
}
