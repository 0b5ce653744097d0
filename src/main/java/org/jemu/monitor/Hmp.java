package org.jemu.monitor;

import org.jemu.chardev.CharFrontend;
import org.jemu.chardev.Chardev;

import java.util.function.Supplier;

/**
 * A minimal human monitor (QEMU's HMP) over a character backend, reached with C-a c on the mux console
 * or with {@code -monitor stdio}. Commands: {@code help}, {@code info registers|mtree|qtree|cpus|pci|status|version},
 * {@code system_reset}, {@code quit}/{@code q}. Line editing: backspace; Enter runs the line.
 */
public final class Hmp implements CharFrontend {
    /** What the monitor can look at and do. */
    public interface Target {
        String version();
        String registers();
        String mtree();
        String qtree();
        String cpus();
        /** The PCI functions in QEMU's {@code info pci} format. */
        default String pci() { return ""; }
        void reset();
        void quit();
    }

    private final Chardev out;
    private final Target target;
    private final StringBuilder line = new StringBuilder();

    public Hmp(Chardev out, Target target) {
        this.out = out;
        this.target = target;
    }

    public void banner() {
        print("QEMU " + target.version() + " monitor - type 'help' for more information\r\n(qemu) ");
    }

    private void print(String s) { out.write(s.replace("\r\n", "\n").replace("\n", "\r\n")); }

    @Override public int canReceive() { return 1; }

    @Override
    public synchronized void receive(byte b) {
        if (b == '\r' || b == '\n') {
            print("\r\n");
            String cmd = line.toString().trim();
            line.setLength(0);
            if (!cmd.isEmpty()) print(execute(cmd));
            if (!cmd.equals("q") && !cmd.equals("quit")) print("(qemu) ");   // QEMU exits without a new prompt
        } else if (b == 0x7f || b == 8) {
            if (!line.isEmpty()) {
                line.setLength(line.length() - 1);
                print("\b \b");
            }
        } else if (b >= 0x20 && b < 0x7f) {
            line.append((char) b);
            out.write(b);
        }
    }

    /** Runs one command line and returns its output. */
    public String execute(String cmd) {
        String[] w = cmd.trim().split("\\s+");
        return switch (w[0]) {
            case "help", "h", "?" -> """
                    help|? [cmd] -- show the help
                    info registers -- show the cpu registers
                    info mtree -- show memory tree
                    info qtree -- show device tree
                    info cpus -- show infos for each CPU
                    info pci -- show PCI info
                    info status -- show the current VM status
                    info version -- show the version of QEMU
                    q|quit -- quit the emulator
                    system_reset -- reset the system
                    """;
            case "info" -> info(w.length > 1 ? w[1] : "");
            case "q", "quit" -> { target.quit(); yield ""; }
            case "system_reset" -> { target.reset(); yield ""; }
            default -> "unknown command: '" + w[0] + "'\n";
        };
    }

    private String info(String what) {
        return switch (what) {
            case "registers", "r" -> target.registers();
            case "mtree" -> target.mtree();
            case "qtree" -> target.qtree();
            case "cpus" -> target.cpus();
            case "pci" -> target.pci();
            case "status" -> "VM status: running\n";
            case "version" -> target.version() + "\n";
            case "" -> "info registers|mtree|qtree|cpus|pci|status|version\n";
            default -> "info: unknown subcommand '" + what + "'\n";
        };
    }
}
