package org.jemu.block.vdi;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.OpenContext;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * VirtualBox Disk Image (VDI) format driver: version 1.1 headers, dynamic and static images with the
 * 1 MiB block size QEMU supports. See {@link VdiNode} for the on-disk layout.
 */
public final class VdiDriver implements BlockDriver {
    @Override public String name() { return "vdi"; }

    @Override
    public int probe(byte[] head, String filename) {
        if (head.length < VdiHeader.SIZE) return 0;
        return VdiHeader.le32(head, VdiHeader.OFF_SIGNATURE) == VdiHeader.SIGNATURE ? 100 : 0;
    }

    @Override
    public BlockNode open(BlockNode file, OpenContext ctx) throws IOException {
        return VdiNode.open(file, ctx);
    }

    @Override
    public List<CreateOption> createOptions() {
        return List.of(
                new CreateOption("size", "size", "Virtual disk size", null),
                new CreateOption("static", "bool", "VDI static (pre-allocated) image", "off"));
    }

    @Override
    public void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException {
        opts.take("size", null);
        if (opts.has("backing_file")) throw new BlockException("Backing file not supported for file format 'vdi'");
        boolean isStatic = opts.takeBool("static", false);
        String prealloc = opts.take("preallocation", "off");
        if (!prealloc.equals("off")) throw new BlockException("vdi: preallocation mode '" + prealloc + "' is not supported (use static=on)");
        opts.rejectUnknown();
        if (size < 0) throw new BlockException("vdi: negative image size");
        long blockSize = VdiHeader.DEFAULT_BLOCK_SIZE;
        if (size > VdiHeader.DISK_SIZE_MAX) {
            throw new BlockException(String.format("Unsupported VDI image size (size is 0x%x, max supported is 0x%x)", size, VdiHeader.DISK_SIZE_MAX));
        }
        long blocks = (size + blockSize - 1) / blockSize;
        long bmapSize = ((blocks * 4) + 511) & ~511L;
        VdiHeader h = new VdiHeader();
        h.text = VdiHeader.QEMU_TEXT;
        h.signature = VdiHeader.SIGNATURE;
        h.version = VdiHeader.VERSION_1_1;
        h.headerSize = VdiHeader.HEADER_SIZE_V1_1;
        h.imageType = isStatic ? VdiHeader.TYPE_STATIC : VdiHeader.TYPE_DYNAMIC;
        h.offsetBmap = VdiHeader.SIZE;
        h.offsetData = VdiHeader.SIZE + bmapSize;
        h.sectorSize = 512;
        h.diskSize = size;
        h.blockSize = (int) blockSize;
        h.blocksInImage = (int) blocks;
        h.blocksAllocated = isStatic ? (int) blocks : 0;
        h.uuidImage = UUID.randomUUID();
        h.uuidLastSnap = UUID.randomUUID();
        h.uuidLink = new UUID(0, 0);
        h.uuidParent = new UUID(0, 0);
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(h.encode(), 0);
            ByteBuffer bmap = ByteBuffer.allocate((int) bmapSize).order(ByteOrder.LITTLE_ENDIAN);
            for (long i = 0; i < blocks; i++) bmap.putInt(isStatic ? (int) i : VdiHeader.UNALLOCATED);
            bmap.clear();
            long p = h.offsetBmap;
            while (bmap.hasRemaining()) p += ch.write(bmap, p);
            if (isStatic) ch.truncate(h.offsetData + blocks * blockSize); // grows: sparse zeroes
            if (ch.size() < h.offsetData + (isStatic ? blocks * blockSize : 0)) {
                ch.write(ByteBuffer.allocate(1), h.offsetData + (isStatic ? blocks * blockSize : 0) - 1);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BlockException("Could not create '" + path + "': No such file or directory");
        }
    }
}
