package org.jemu.target.riscv.priv;

import org.jemu.hw.riscv.VirtMachine;
import org.jemu.util.OptionException;

/** The machine's harts on host threads (filled in when the RISC-V interpreter is available). */
public final class SystemHarts {
    private final VirtMachine machine;

    public SystemHarts(VirtMachine machine) { this.machine = machine; }

    public void start() {
        throw new OptionException("running guest code needs the RISC-V CPU interpreter, which this build does not have yet ("
                + machine.config.harts() + " hart(s) requested)");
    }

    public void stop() { }

    public String dumpRegisters(int hart) { return ""; }

    public String cpusInfo() { return ""; }
}
