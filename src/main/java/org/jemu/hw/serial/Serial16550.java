package org.jemu.hw.serial;

import org.jemu.chardev.CharFrontend;
import org.jemu.chardev.Chardev;
import org.jemu.hw.IrqLine;
import org.jemu.memory.MmioHandler;
import org.jemu.util.Log;

/**
 * NS16550A UART (QEMU hw/char/serial.c), byte registers at stride 1, as on the virt board at 0x10000000
 * with PLIC source 10.
 *
 * <p>Guest-facing contract:
 * <pre>
 * off DLAB=0 read       DLAB=0 write      DLAB=1
 *  0  RBR (rx FIFO)     THR (tx)          DLL
 *  1  IER               IER               DLM
 *  2  IIR               FCR
 *  3  LCR (bit7 = DLAB)
 *  4  MCR (bit4 = loopback)
 *  5  LSR: DR 0x01, OE 0x02, THRE 0x20, TEMT 0x40 (tx completes at once)
 *  6  MSR: DCD|DSR|CTS without loopback; in loopback the MCR outputs reflected
 *  7  SCR
 * </pre>
 * IER bits: 0 rx data, 1 THR empty, 2 line status, 3 modem status. IIR reports the highest-priority
 * cause: line status (0x06) &gt; rx data (0x04, or 0x0c timeout below the trigger level) &gt; THR empty
 * (0x02, cleared by reading IIR or writing THR) &gt; modem status (0x00); 0x01 = none; bits 7:6 set when
 * the FIFOs are enabled. The rx FIFO holds 16 bytes; the backend waits while it is full.
 * Accesses wider than a byte use the low byte (QEMU: the region is byte-wide, wider accesses split).
 */
public final class Serial16550 implements MmioHandler, CharFrontend, org.jemu.hw.Resettable {
    static final int FIFO_SIZE = 16;
    static final int LSR_DR = 0x01, LSR_OE = 0x02, LSR_BI = 0x10, LSR_THRE = 0x20, LSR_TEMT = 0x40;
    static final int IER_RDI = 1, IER_THRI = 2, IER_RLSI = 4, IER_MSI = 8;

    private final Chardev chr;
    private final IrqLine irq;

    private final byte[] rx = new byte[FIFO_SIZE];
    private int rxHead, rxCount;
    private int ier, lcr, mcr, lsr = LSR_THRE | LSR_TEMT, scr, fcr, dll = 12, dlm;
    private int msr = 0xb0;
    private boolean thrIpending;

    public Serial16550(Chardev chr, IrqLine irq) {
        this.chr = chr;
        this.irq = irq;
        if (chr != null) chr.attach(this);
    }

    /** System reset: the registers' power-on values, FIFOs empty, interrupt low. */
    @Override
    public synchronized void reset() {
        rxHead = rxCount = 0;
        ier = lcr = mcr = scr = fcr = dlm = 0;
        lsr = LSR_THRE | LSR_TEMT;
        dll = 12;
        msr = 0xb0;
        thrIpending = false;
        update();
        if (chr != null) chr.inputConsumed();
    }

    @Override
    public synchronized long read(long offset, int size) {
        int v;
        switch ((int) offset) {
            case 0 -> {
                if ((lcr & 0x80) != 0) { v = dll; break; }
                if (rxCount > 0) {
                    v = rx[rxHead] & 0xff;
                    rxHead = (rxHead + 1) % FIFO_SIZE;
                    rxCount--;
                    if (chr != null) chr.inputConsumed();
                } else v = 0;
                if (rxCount == 0) lsr &= ~LSR_DR;
                update();
            }
            case 1 -> v = (lcr & 0x80) != 0 ? dlm : ier;
            case 2 -> {
                v = iir();
                if ((v & 0x0f) == 0x02) thrIpending = false;
                update();
            }
            case 3 -> v = lcr;
            case 4 -> v = mcr;
            case 5 -> {
                v = lsr;
                if ((lsr & (LSR_OE | LSR_BI)) != 0) { lsr &= ~(LSR_OE | LSR_BI); update(); }
            }
            case 6 -> {
                if ((mcr & 0x10) != 0) {
                    v = ((mcr & 0x0c) << 4) | ((mcr & 0x02) << 3) | ((mcr & 0x01) << 5);
                } else v = msr;
            }
            case 7 -> v = scr;
            default -> {
                if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("serial: read of bad offset 0x%x%n", offset);
                v = 0;
            }
        }
        return v;
    }

    @Override
    public synchronized void write(long offset, int size, long value) {
        int v = (int) value & 0xff;
        switch ((int) offset) {
            case 0 -> {
                if ((lcr & 0x80) != 0) { dll = v; break; }
                if ((mcr & 0x10) != 0) {
                    pushRx((byte) v);
                } else if (chr != null) {
                    chr.write(v);
                }
                // transmission is instantaneous: THR empty again at once
                thrIpending = true;
                lsr |= LSR_THRE | LSR_TEMT;
                update();
            }
            case 1 -> {
                if ((lcr & 0x80) != 0) { dlm = v; break; }
                int old = ier;
                ier = v & 0x0f;
                if ((ier & IER_THRI) != 0 && (old & IER_THRI) == 0 && (lsr & LSR_THRE) != 0) thrIpending = true;
                if ((ier & IER_THRI) == 0) thrIpending = false;
                update();
            }
            case 2 -> {
                if ((v & 0x02) != 0) { rxCount = 0; rxHead = 0; lsr &= ~LSR_DR; }
                fcr = v & 0xc9;
                if (chr != null) chr.inputConsumed();   // room may have appeared (FIFO cleared or enabled)
                update();
            }
            case 3 -> lcr = v;
            case 4 -> mcr = v & 0x1f;
            case 5, 6 -> { /* LSR/MSR are read-only (factory test writes ignored) */ }
            case 7 -> scr = v;
            default -> {
                if (Log.on(Log.Item.GUEST_ERRORS)) Log.logf("serial: write of bad offset 0x%x%n", offset);
            }
        }
    }

    /** 16 bytes with the FIFOs enabled, a single holding register without. */
    private int rxCapacity() { return (fcr & 1) != 0 ? FIFO_SIZE : 1; }

    private int triggerLevel() {
        return switch ((fcr >> 6) & 3) { case 0 -> 1; case 1 -> 4; case 2 -> 8; default -> 14; };
    }

    private int iir() {
        int fifo = (fcr & 1) != 0 ? 0xc0 : 0;
        if ((ier & IER_RLSI) != 0 && (lsr & (LSR_OE | LSR_BI)) != 0) return fifo | 0x06;
        if ((ier & IER_RDI) != 0 && (lsr & LSR_DR) != 0) {
            if ((fcr & 1) != 0 && rxCount < triggerLevel()) return fifo | 0x0c;
            return fifo | 0x04;
        }
        if ((ier & IER_THRI) != 0 && thrIpending) return fifo | 0x02;
        return fifo | 0x01;
    }

    private void update() {
        irq.set((iir() & 1) == 0);
    }

    private void pushRx(byte b) {
        if (rxCount == rxCapacity()) {
            lsr |= LSR_OE;
        } else {
            rx[(rxHead + rxCount) % FIFO_SIZE] = b;
            rxCount++;
        }
        lsr |= LSR_DR;
        update();
    }

    @Override
    public synchronized int canReceive() {
        return (mcr & 0x10) != 0 ? 0 : rxCapacity() - rxCount;
    }

    @Override
    public synchronized void receive(byte b) {
        pushRx(b);
    }
}
