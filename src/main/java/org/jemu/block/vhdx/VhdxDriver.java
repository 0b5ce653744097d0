package org.jemu.block.vhdx;

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
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;

/**
 * Hyper-V VHDX driver: fixed and dynamic images, log replay on open. Creation lays the file out as
 * QEMU does: header section (file identifier, headers, region tables) in the first MiB, the log
 * (log_size, default 1 MiB), the BAT, the metadata region, then payload blocks.
 */
public final class VhdxDriver implements BlockDriver {
    static final long MiB = 1 << 20;

    @Override public String name() { return "vhdx"; }

    @Override
    public int probe(byte[] head, String filename) {
        if (head.length < 8) return 0;
        for (int i = 0; i < 8; i++) if (head[i] != VhdxNode.FILE_SIGNATURE[i]) return 0;
        return 100;
    }

    @Override public BlockNode open(BlockNode file, OpenContext ctx) throws IOException { return VhdxNode.open(file, ctx); }

    @Override
    public List<CreateOption> createOptions() {
        return List.of(
                new CreateOption("size", "size", "Virtual disk size; max of 64TB.", null),
                new CreateOption("block_size", "size", "Block Size; min 1MB, max 256MB. 0 means auto-calculate based on image size.", "0"),
                new CreateOption("block_state_zero", "bool", "Force use of payload blocks of type 'ZERO'. Non-standard, but default.  Do not set to 'off' when using 'qemu-img convert' with subformat=dynamic.", "on"),
                new CreateOption("log_size", "size", "Log size; min 1MB.", "1048576"),
                new CreateOption("subformat", "string", "VHDX format type, can be either 'dynamic' or 'fixed'. Default is 'dynamic'.", "dynamic"));
    }

    @Override
    public void create(Path path, long size, QemuOpts opts, OpenContext ctx) throws IOException {
        opts.take("size", null);
        if (opts.has("backing_file")) throw new BlockException("Backing file not supported for file format 'vhdx'");
        long blockSize = opts.takeSize("block_size", 0);
        boolean blockStateZero = opts.takeBool("block_state_zero", true);
        long logSize = opts.takeSize("log_size", MiB);
        String sub = opts.take("subformat", "dynamic");
        String prealloc = opts.take("preallocation", "off");
        opts.rejectUnknown();
        if (!prealloc.equals("off")) throw new BlockException("vhdx: preallocation mode '" + prealloc + "' is not supported");
        boolean fixed = switch (sub) {
            case "dynamic" -> false;
            case "fixed" -> true;
            default -> throw new BlockException("Invalid subformat '" + sub + "'");
        };
        if (size < 0) throw new BlockException("vhdx: negative image size");
        if (size > VhdxNode.MAX_SIZE) throw new BlockException("Image size too large; max of 64TB");
        if (logSize < MiB || logSize % MiB != 0 || logSize > 0xfff00000L) throw new BlockException("Log size must be a multiple of 1 MB");
        if (blockSize == 0) {
            if (size > 32L << 40) blockSize = 64 * MiB;
            else if (size > 100L << 30) blockSize = 32 * MiB;
            else if (size > 1L << 30) blockSize = 16 * MiB;
            else blockSize = 8 * MiB;
        }
        if (blockSize < MiB || blockSize > 256 * MiB || Long.bitCount(blockSize) != 1) {
            throw new BlockException("Block size must be a power of two between 1 MB and 256 MB");
        }
        int lss = 512, pss = 512;
        size = (size + lss - 1) / lss * lss;
        long chunkRatio = (1L << 23) * lss / blockSize;
        long dataBlocks = (size + blockSize - 1) / blockSize;
        long entries = dataBlocks == 0 ? 0 : dataBlocks + (dataBlocks - 1) / chunkRatio;
        long logOffset = VhdxNode.HEADER_SECTION_END;
        long batOffset = logOffset + logSize;
        long batLength = Math.max(MiB, (entries * 8 + MiB - 1) / MiB * MiB);
        long metaOffset = batOffset + batLength;
        long metaLength = MiB;
        long payload = metaOffset + metaLength;

        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            // file type identifier
            ByteBuffer id = ByteBuffer.allocate(64 * 1024);
            id.put(0, VhdxNode.FILE_SIGNATURE);
            byte[] creator = "jemu".getBytes(StandardCharsets.UTF_16LE);
            id.put(8, creator);
            ch.write(id, 0);
            // headers
            VhdxHeader h = new VhdxHeader();
            h.sequenceNumber = Math.abs(new java.util.Random().nextInt());
            h.fileWriteGuid = UUID.randomUUID();
            h.dataWriteGuid = UUID.randomUUID();
            h.logLength = logSize;
            h.logOffset = logOffset;
            ch.write(h.encode(), VhdxHeader.OFFSET_1);
            h.sequenceNumber++;
            ch.write(h.encode(), VhdxHeader.OFFSET_2);
            // region tables
            ByteBuffer rt = ByteBuffer.allocate((int) VhdxNode.REGION_TABLE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
            rt.putInt(0, VhdxNode.REGION_SIGNATURE).putInt(8, 2);
            VhdxGuid.put(rt, 16, VhdxGuid.BAT);
            rt.putLong(32, batOffset).putInt(40, (int) batLength).putInt(44, 1);
            VhdxGuid.put(rt, 48, VhdxGuid.METADATA);
            rt.putLong(64, metaOffset).putInt(72, (int) metaLength).putInt(76, 1);
            rt.putInt(4, VhdxHeader.crc(rt.array(), 4));
            ch.write(rt.duplicate().clear(), VhdxNode.REGION_TABLE_1);
            ch.write(rt.duplicate().clear(), VhdxNode.REGION_TABLE_2);
            // metadata
            ByteBuffer md = ByteBuffer.allocate(64 * 1024 + 64).order(ByteOrder.LITTLE_ENDIAN);
            md.put(0, "metadata".getBytes(StandardCharsets.US_ASCII)).putShort(10, (short) 5);
            int itemBase = 64 * 1024;
            Object[][] items = {
                    {VhdxGuid.FILE_PARAMETERS, 0, 8, 4},
                    {VhdxGuid.VIRTUAL_DISK_SIZE, 8, 8, 6},
                    {VhdxGuid.PAGE83_DATA, 16, 16, 6},
                    {VhdxGuid.LOGICAL_SECTOR_SIZE, 32, 4, 6},
                    {VhdxGuid.PHYSICAL_SECTOR_SIZE, 36, 4, 6}};
            for (int i = 0; i < items.length; i++) {
                int o = 32 + i * 32;
                VhdxGuid.put(md, o, (UUID) items[i][0]);
                md.putInt(o + 16, itemBase + (Integer) items[i][1]).putInt(o + 20, (Integer) items[i][2]).putInt(o + 24, (Integer) items[i][3]);
            }
            md.putInt(itemBase, (int) blockSize).putInt(itemBase + 4, fixed ? 1 : 0); // LeaveBlocksAllocated for fixed
            md.putLong(itemBase + 8, size);
            VhdxGuid.put(md, itemBase + 16, UUID.randomUUID());
            md.putInt(itemBase + 32, lss).putInt(itemBase + 36, pss);
            ch.write(md, metaOffset);
            // BAT
            ByteBuffer bat = ByteBuffer.allocate((int) (entries * 8)).order(ByteOrder.LITTLE_ENDIAN);
            long fileEnd = payload;
            long dataStart = payload;
            for (long i = 0, blk = 0; i < entries; i++) {
                if ((i + 1) % (chunkRatio + 1) == 0) { bat.putLong(0); continue; }
                long e;
                if (fixed) {
                    long off = dataStart + blk * blockSize;
                    e = (off / MiB) << 20 | (blockStateZero ? VhdxNode.PAYLOAD_BLOCK_ZERO : VhdxNode.PAYLOAD_BLOCK_FULLY_PRESENT);
                    fileEnd = off + blockSize;
                } else {
                    e = blockStateZero ? VhdxNode.PAYLOAD_BLOCK_ZERO : VhdxNode.PAYLOAD_BLOCK_NOT_PRESENT;
                }
                bat.putLong(e);
                blk++;
            }
            bat.flip();
            long p = batOffset;
            while (bat.hasRemaining()) p += ch.write(bat, p);
            if (ch.size() < fileEnd) ch.write(ByteBuffer.allocate(1), fileEnd - 1);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new BlockException("Could not create '" + path + "': No such file or directory");
        }
    }
}
