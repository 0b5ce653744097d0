package org.jemu.testutil;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Preconditions of tests that need something outside the repository (a host tool, /dev/kvm, guest
 * material from the package archive). A missing precondition skips the test with a reason printed to
 * stderr, so the skip is visible in the test log; it never passes silently.
 */
public final class Need {
    private Need() {}

    /** Skips unless {@code tool} is on the PATH; returns its path. */
    public static Path tool(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) return p;
        }
        skip("host tool '" + tool + "' is not installed (.ci/run installs it with apt)");
        return null;
    }

    /** Skips unless {@code p} exists (e.g. guest material fetched by scripts/fetch-guests.sh). */
    public static Path file(Path p, String what) {
        if (!Files.exists(p)) skip(what + " is missing at " + p + " (run scripts/fetch-guests.sh)");
        return p;
    }

    public static void skip(String reason) {
        System.err.println("SKIPPED: " + reason);
        Assumptions.abort(reason);
    }
}
