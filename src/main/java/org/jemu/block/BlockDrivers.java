package org.jemu.block;

import org.jemu.block.file.FileNode;
import org.jemu.block.raw.RawDriver;
import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The registry of format drivers (QEMU's bdrv_find_format / bdrv_probe_all) and the one way to open
 * an image: {@link #open} returns the format node over a {@code file} protocol node, with the backing
 * chain opened relative to the image.
 *
 * <p>Drivers, in QEMU's probing order: raw, qcow2, vmdk, vdi, vpc, vhdx (a new format is added to
 * {@link #all}). No {@code ServiceLoader}: looking up its service file opens and indexes every jar on
 * the class path (Jackson, zstd-jni: about 1300 entries, interpreted at start-up), which every
 * jemu-img command paid for although jemu is one jar.
 */
public final class BlockDrivers {
    private BlockDrivers() {}

    /** Deepest backing chain we open (QEMU has no fixed limit; this bounds hostile chains). */
    public static final int MAX_BACKING_DEPTH = 64;

    private static volatile List<BlockDriver> drivers;

    /** All drivers, built-in ones first. */
    public static List<BlockDriver> all() {
        List<BlockDriver> d = drivers;
        if (d != null) return d;
        drivers = d = List.of(new RawDriver(), new org.jemu.block.qcow2.Qcow2Driver(), new org.jemu.block.vmdk.VmdkDriver(),
                new org.jemu.block.vdi.VdiDriver(), new org.jemu.block.vpc.VpcDriver(), new org.jemu.block.vhdx.VhdxDriver());
        return d;
    }

    /** The driver named {@code name}, or null. */
    public static BlockDriver find(String name) {
        for (BlockDriver d : all()) if (d.name().equals(name)) return d;
        return null;
    }

    /** The driver named {@code name}; QEMU's "Unknown driver 'x'" otherwise. */
    public static BlockDriver require(String name) throws BlockException {
        BlockDriver d = find(name);
        if (d == null) throw new BlockException("Unknown driver '" + name + "'");
        return d;
    }

    /** Formats for "Supported formats:" lines. */
    public static List<String> names() {
        return all().stream().map(BlockDriver::name).sorted().toList();
    }

    /** Picks the driver with the highest probe score for the first bytes of {@code file}. */
    public static BlockDriver probe(BlockNode file, String filename) throws IOException {
        int n = (int) Math.min(2048, Math.max(0, file.size()));
        byte[] head = new byte[n];
        if (n > 0) file.read(0, ByteBuffer.wrap(head));
        BlockDriver best = null;
        int bestScore = 0;
        for (BlockDriver d : all()) {
            int s = d.probe(head, filename);
            if (s > bestScore) { best = d; bestScore = s; }
        }
        if (best == null) throw new BlockException("Could not determine image format");
        return best;
    }

    /** Options understood by {@link #open}: cache mode and whether to open the backing chain. */
    public record Options(CacheMode cache, boolean openBacking, boolean writableBacking) {
        public static final Options DEFAULT = new Options(CacheMode.WRITEBACK, true, false);
        public Options withCache(CacheMode c) { return new Options(c, openBacking, writableBacking); }
        public Options withoutBacking() { return new Options(cache, false, writableBacking); }
        public Options withWritableBacking() { return new Options(cache, openBacking, true); }

        /** From -drive style options: takes {@code cache}; leaves others for the caller to reject. */
        public static Options from(QemuOpts o) throws BlockException {
            if (o == null) return DEFAULT;
            CacheMode c = CacheMode.parse(o.take("cache", "writeback"));
            return new Options(c, true, false);
        }
    }

    /**
     * Opens an image: the {@code file} protocol node for {@code filename}, then the format driver
     * ({@code format} null = probe) on top, with its backing chain.
     */
    public static BlockNode open(String filename, String format, boolean readOnly, QemuOpts options) throws IOException {
        Options o = Options.from(options);
        if (options != null) {
            try { options.rejectUnknown(); } catch (OptionException e) { throw new BlockException(e.getMessage()); }
        }
        return open(filename, format, readOnly, o);
    }

    public static BlockNode open(String filename, String format, boolean readOnly, Options options) throws IOException {
        return new Context(Path.of(filename), readOnly, options, List.of(), 0).openImage(filename, format);
    }

    /** Creates an image of {@code format} (the -o options in {@code opts}; unknown ones are refused). */
    public static void create(String filename, String format, long size, QemuOpts opts) throws IOException {
        BlockDriver d = require(format);
        try {
            d.create(Path.of(filename), size, opts, new Context(Path.of(filename), false, Options.DEFAULT, List.of(), 0));
        } catch (OptionException e) {
            throw new BlockException(e.getMessage().replaceFirst("^create: ", ""));
        }
    }

    /**
     * Creates an image (as {@link #create}) and returns it open read-write with {@code cache} where the driver
     * does both in one step ({@link BlockDriver#createOpen}); else creates it and returns null (the caller opens it).
     */
    public static BlockNode createOpen(String filename, String format, long size, QemuOpts opts, CacheMode cache) throws IOException {
        BlockDriver d = require(format);
        try {
            BlockNode n = d.createOpen(Path.of(filename), size, opts, new Context(Path.of(filename), false, Options.DEFAULT, List.of(), 0), cache);
            if (n != null) return n;
        } catch (OptionException e) {
            throw new BlockException(e.getMessage().replaceFirst("^create: ", ""));
        }
        create(filename, format, size, opts);
        return null;
    }

    /** The OpenContext implementation: resolves names relative to the image and detects backing loops. */
    static final class Context implements OpenContext {
        private final Path image;
        private final boolean readOnly;
        private final Options options;
        private final List<Path> chain;
        private final int depth;

        Context(Path image, boolean readOnly, Options options, List<Path> chain, int depth) {
            this.image = image; this.readOnly = readOnly; this.options = options; this.chain = chain; this.depth = depth;
        }

        @Override public Path imagePath() { return image; }
        @Override public boolean readOnly() { return readOnly; }

        BlockNode openImage(String filename, String format) throws IOException {
            Path p = Path.of(filename);
            Path real;
            try { real = p.toRealPath(); } catch (IOException e) { real = p.toAbsolutePath().normalize(); }
            if (chain.contains(real)) {
                throw new BlockException("Backing file '" + filename + "' creates an infinite loop.");
            }
            if (depth > MAX_BACKING_DEPTH) throw new BlockException("Backing chain of '" + filename + "' is deeper than " + MAX_BACKING_DEPTH + " images");
            FileNode file = FileNode.open(p, readOnly, options.cache());
            try {
                BlockDriver d = format == null ? probe(file, filename) : require(format);
                List<Path> nc = new ArrayList<>(chain);
                nc.add(real);
                Context sub = new Context(p, readOnly, options, List.copyOf(nc), depth + 1);
                return d.open(file, sub);
            } catch (IOException | RuntimeException e) {
                file.close();
                throw e;
            }
        }

        /** Resolves a backing/extent name as QEMU does: relative names are relative to the image's directory. */
        public Path resolve(String name) {
            Path n = Path.of(name);
            if (n.isAbsolute() || image == null) return n;
            Path dir = image.toAbsolutePath().getParent();
            Path r = dir == null ? n : dir.resolve(n);
            // keep it relative when the image was given relative
            if (!image.isAbsolute()) {
                Path id = image.getParent();
                r = id == null ? n : id.resolve(n);
            }
            return r;
        }

        @Override
        public BlockNode openBacking(String filename, String format) throws IOException {
            if (!options.openBacking()) return null;
            Path r = resolve(filename);
            if (!Files.exists(r)) throw new BlockException("Could not open backing file: Could not open '" + r + "': No such file or directory");
            // backing files are opened read-only (QEMU reopens them read-write only to commit)
            Context c = new Context(r, !options.writableBacking(), options, chain, depth);
            try {
                return c.openImage(r.toString(), format);
            } catch (BlockException e) {
                if (e.getMessage().startsWith("Could not open backing file")) throw e;
                throw new BlockException("Could not open backing file: " + e.getMessage(), e);
            }
        }

        @Override
        public BlockNode openFile(String filename, boolean ro) throws IOException {
            return FileNode.open(resolve(filename), ro || readOnly, options.cache());
        }
    }
}
