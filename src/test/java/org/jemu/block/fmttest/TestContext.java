package org.jemu.block.fmttest;

import org.jemu.block.BlockDriver;
import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;
import org.jemu.block.OpenContext;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Test-only OpenContext: resolves names relative to the image, opens backing files with the given drivers. */
public final class TestContext implements OpenContext {
    private final Path image;
    private final boolean readOnly;
    private final List<BlockDriver> drivers;
    private final List<Path> chain;

    public TestContext(Path image, boolean readOnly, BlockDriver... drivers) {
        this(image, readOnly, List.of(drivers), List.of());
    }

    private TestContext(Path image, boolean readOnly, List<BlockDriver> drivers, List<Path> chain) {
        this.image = image; this.readOnly = readOnly; this.drivers = drivers;
        List<Path> c = new ArrayList<>(chain);
        if (image != null) c.add(image.toAbsolutePath().normalize());
        this.chain = c;
    }

    @Override public Path imagePath() { return image; }
    @Override public boolean readOnly() { return readOnly; }

    private Path resolve(String name) {
        Path p = Path.of(name);
        if (!p.isAbsolute() && image != null && image.toAbsolutePath().getParent() != null) p = image.toAbsolutePath().getParent().resolve(p);
        return p;
    }

    @Override public BlockNode openBacking(String filename, String format) throws IOException {
        Path p = resolve(filename).toAbsolutePath().normalize();
        if (chain.contains(p)) throw new BlockException("Backing file loop: '" + filename + "'");
        TestFile f = TestFile.open(p, true);
        byte[] head = new byte[512];
        f.read(0, java.nio.ByteBuffer.wrap(head));
        for (BlockDriver d : drivers) {
            if ((format == null && d.probe(head, p.toString()) >= 100) || d.name().equals(format)) {
                return d.open(f, new TestContext(p, true, drivers, chain));
            }
        }
        f.close();
        throw new BlockException("Unknown backing format for '" + filename + "'");
    }

    @Override public BlockNode openFile(String filename, boolean ro) throws IOException {
        return TestFile.open(resolve(filename), ro);
    }

    /** Opens {@code p} with {@code d}. */
    public static BlockNode open(BlockDriver d, Path p, boolean readOnly, BlockDriver... all) throws IOException {
        TestFile f = TestFile.open(p, readOnly);
        try {
            return d.open(f, new TestContext(p, readOnly, all.length == 0 ? new BlockDriver[]{d} : all));
        } catch (IOException | RuntimeException e) {
            f.close();
            throw e;
        }
    }
}
