package org.jemu.block.vpc;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.OpenContext;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * Virtual PC / Hyper-V VHD driver (QEMU's "vpc"): fixed and dynamic images. Creation computes the CHS
 * geometry as QEMU does and rounds the size up to it unless force_size=on.
 */
public final class VpcDriver implements BlockDriver {
    static final long BLOCK_SIZE = 2 << 20;

    @Override public String name() { return "vpc"; }

    @Override
    public int probe(byte[] head, String filename) {
        return VhdFooter.hasCookie(head, 0) ? 100 : 0;
    }

    @Override public BlockNode open(BlockNode file, OpenContext ctx) throws IOException { return VpcNode.open(file, ctx); }

    @Override
    public List<CreateOption> createOptions() {
        return List.of(
                new CreateOption("size", "size", "Virtual disk size", null),
                new CreateOption("subformat", "string", "Type of virtual hard disk format. Supported formats are {dynamic (default) | fixed} ", "dynamic"),
                new CreateOption("force_size", "bool", "Force disk size calculation to use the actual size specified, rather than using the nearest CHS-based calculation", "off"));
    }

    /** CHS geometry for {@code totalSectors} as the VHD specification's appendix (and QEMU) computes it: {cyls, heads, secs}. */
    static int[] calculateGeometry(long totalSectors) {
        totalSectors = Math.min(totalSectors, VpcNode.MAX_GEOMETRY);
        int secs, heads;
        long cth;
        if (totalSectors >= 65535L * 16 * 63) {
            secs = 255; heads = 16;
            cth = totalSectors / secs;
        } else {
            secs = 17;
            cth = totalSectors / secs;
            heads = (int) ((cth + 1023) / 1024);
            if (heads < 4) heads = 4;
            if (cth >= heads * 1024L || heads > 16) {
                secs = 31; heads = 16;
                cth = totalSectors / secs;
            }
            if (cth >= heads * 1024L) {
                secs = 63; heads = 16;
                cth = totalSectors / secs;
            }
        }
        return new int[]{(int) (cth / heads), heads, secs};
    }

    @Override
    public void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException {
        opts.take("size", null);
        if (opts.has("backing_file")) throw new BlockException("Backing file not supported for file format 'vpc'");
        String sub = opts.take("subformat", "dynamic");
        boolean forceSize = opts.takeBool("force_size", false);
        String prealloc = opts.take("preallocation", "off");
        if (!prealloc.equals("off")) throw new BlockException("vpc: preallocation mode '" + prealloc + "' is not supported");
        opts.rejectUnknown();
        boolean fixed = switch (sub) {
            case "dynamic" -> false;
            case "fixed" -> true;
            default -> throw new BlockException("Invalid subformat '" + sub + "'");
        };
        if (size < 0) throw new BlockException("vpc: negative image size");
        long totalSectors = size / 512;
        int cyls = 0, heads = 0, secs = 0;
        if (forceSize) {
            cyls = 65535; heads = 16; secs = 255;
        } else {
            for (long i = 0; totalSectors > (long) cyls * heads * secs; i++) {
                int[] g = calculateGeometry(totalSectors + i);
                cyls = g[0]; heads = g[1]; secs = g[2];
            }
            if ((long) cyls * heads * secs == VpcNode.MAX_GEOMETRY) {
                if (totalSectors > VpcNode.MAX_SECTORS) throw new BlockException("Disk size is too large, max size is 2040 GiB");
            } else {
                totalSectors = (long) cyls * heads * secs;
            }
        }
        if (totalSectors > VpcNode.MAX_SECTORS) throw new BlockException("Disk size is too large, max size is 2040 GiB");
        long totalSize = totalSectors * 512;

        VhdFooter f = new VhdFooter();
        f.creatorApplication = forceSize ? "qem2" : "qemu";
        f.timeStamp = (int) (System.currentTimeMillis() / 1000 - VhdFooter.EPOCH_2000);
        f.originalSize = totalSize;
        f.currentSize = totalSize;
        f.cylinders = cyls; f.heads = heads; f.sectorsPerTrack = secs;
        f.diskType = fixed ? VhdFooter.TYPE_FIXED : VhdFooter.TYPE_DYNAMIC;
        f.uniqueId = UUID.randomUUID();
        f.dataOffset = fixed ? -1 : VhdFooter.SIZE;
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer footer = f.encode();
            if (fixed) {
                ch.write(footer, totalSize);
                return;
            }
            long entries = (totalSectors + BLOCK_SIZE / 512 - 1) / (BLOCK_SIZE / 512);
            long batBytes = (entries * 4 + 511) & ~511L;
            VhdDynamicHeader d = new VhdDynamicHeader();
            d.tableOffset = 3 * 512;
            d.maxTableEntries = (int) entries;
            d.blockSize = (int) BLOCK_SIZE;
            ch.write(footer.duplicate(), 0);
            ch.write(d.encode(), 512);
            ByteBuffer bat = ByteBuffer.allocate((int) batBytes);
            for (int i = 0; i < batBytes; i++) bat.put(i, (byte) 0xff);
            long p = d.tableOffset;
            while (bat.hasRemaining()) p += ch.write(bat, p);
            ch.write(footer.duplicate(), d.tableOffset + batBytes);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BlockException("Could not create '" + path + "': No such file or directory");
        }
    }
}
