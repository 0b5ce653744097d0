package org.jemu.cli;

import org.jemu.block.qcow2.ImgTestSupport;
import org.jemu.testutil.Jemu;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * jemu-img ends its process with Runtime.halt (System.exit's logging would index every jar on the class
 * path): what a command prints must still all arrive, with stdout and stderr pipes. Each command's
 * output from a separate process equals the output of the same command run in this JVM — last lines
 * (check's summary, info's closing brace, convert -p's final progress line) and long outputs included.
 */
class ImgExitOutputTest {
    @TempDir Path dir;

    private static Jemu.Result process(Path dir, String... args) throws Exception {
        return Jemu.run(ImgTestSupport.processCommand(dir, args), null, 120, dir);
    }

    @Test
    void everyLineArrivesThroughPipes() throws Exception {
        ImgTestSupport.makeRaw(dir.resolve("s.raw"), 64L << 20, 11);
        assertEquals(0, ImgTestSupport.jemu(dir, "convert", "-f", "raw", "-O", "qcow2", "-o", "cluster_size=4096", "@s.raw", "@s.qcow2").rc());
        String[][] cmds = {
            {"info", "--output=json", "@s.qcow2"},
            {"check", "@s.qcow2"},
            {"map", "--output=json", "@s.qcow2"},                     // longer than a pipe buffer's 8 KiB
            {"convert", "-p", "-f", "qcow2", "-O", "raw", "@s.qcow2", "@o.raw"},
            {"compare", "@s.raw", "@o.raw"},
            {"info", "@missing.qcow2"},                                 // an error: stderr, rc 1
        };
        for (String[] c : cmds) {
            ImgTestSupport.Res in = ImgTestSupport.jemu(dir, c);
            Jemu.Result p = process(dir, c);
            String what = String.join(" ", c);
            assertEquals(in.rc(), p.exit(), what);
            if (c[1].equals("-p")) {
                // the progress steps depend on timing; the last line must be there
                String last = in.out().substring(in.out().lastIndexOf("    ("));
                assertTrue(last.startsWith("    (100.00/100%)"), what + ": " + last);
                assertTrue(p.stdout().endsWith(last), what + ": " + p.stdout());
            } else {
                assertEquals(in.out(), p.stdout(), what);
            }
            assertEquals(in.err(), p.stderr(), what);
            assertFalse(in.out().isEmpty() && in.err().isEmpty(), what + " prints something");
        }
    }
}
