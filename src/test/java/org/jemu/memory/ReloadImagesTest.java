package org.jemu.memory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A system reset copies images in again from their (mapped) files: contents restored, a truncated file reported. */
class ReloadImagesTest {
    static final long RAM = 0x8000_0000L;

    @TempDir Path dir;

    private static MemorySegment map(Path f) throws Exception {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
            return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), Arena.ofAuto());
        }
    }

    private static AddressSpace space() {
        AddressSpace mem = new AddressSpace();
        mem.add(MemoryRegion.ram("ram", RAM, AddressSpace.allocateRam(1 << 20)));
        return mem;
    }

    @Test
    void resetRestoresImageAndBss() throws Exception {
        Path f = dir.resolve("img");
        byte[] content = new byte[3 * 4096];
        for (int i = 0; i < content.length; i++) content[i] = (byte) (i * 13 + 1);
        Files.write(f, content);
        AddressSpace mem = space();
        mem.loadImage(RAM + 4096, map(f), content.length + 100);
        MemorySegment ram = mem.ramSegment();
        ram.set(ValueLayout.JAVA_BYTE, 4096 + 5, (byte) 0x77);                 // the guest overwrote the image
        ram.set(ValueLayout.JAVA_BYTE, 4096 + content.length + 50, (byte) 1);  // and its bss
        mem.reloadImages();
        assertEquals(content[5], ram.get(ValueLayout.JAVA_BYTE, 4096 + 5));
        assertEquals(0, ram.get(ValueLayout.JAVA_BYTE, 4096 + content.length + 50));
    }

    @Test
    void truncatedImageFileIsReportedNotAJvmError() throws Exception {
        Path f = dir.resolve("img");
        Files.write(f, new byte[4 * 4096]);
        AddressSpace mem = space();
        mem.loadImage(RAM, map(f), 4 * 4096);
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            ch.truncate(0);
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, mem::reloadImages);
        assertTrue(e.getMessage().contains("0x80000000") && e.getMessage().contains("truncated"), e.getMessage());
    }
}
