package org.jemu.hw.misc;

import org.jemu.hw.SystemControl;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SifiveTestTest {
    final List<String> events = new ArrayList<>();
    final SifiveTest t = new SifiveTest(new SystemControl() {
        @Override public void poweroff(int status) { events.add("off " + status); }
        @Override public void reset() { events.add("reset"); }
    });

    @Test
    void passFailReset() {
        t.write(0, 4, 0x5555);
        t.write(0, 4, (3L << 16) | 0x3333);
        t.write(0, 4, 0x7777);
        t.write(0, 4, 0x1234);
        t.write(8, 4, 0x5555);
        assertEquals(List.of("off 0", "off 3", "reset"), events);
        assertEquals(0, t.read(0, 4));
    }
}
