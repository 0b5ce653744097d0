package org.jemu.hw.pci;

/** One PCI function's configuration space as the ECAM window exposes it (4 KiB, little-endian). */
public interface PciFunction {
    long readConfig(int offset, int size);

    void writeConfig(int offset, int size, long value);
}
