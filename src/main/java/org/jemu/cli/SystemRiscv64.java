package org.jemu.cli;

import org.jemu.block.BlockDrivers;
import org.jemu.block.BlockNode;
import org.jemu.chardev.Chardev;
import org.jemu.chardev.MuxChardev;
import org.jemu.hw.SystemControl;
import org.jemu.hw.riscv.VirtMachine;
import org.jemu.hw.virtio.VirtioBlk;
import org.jemu.hw.virtio.VirtioConsole;
import org.jemu.hw.virtio.VirtioDevice;
import org.jemu.hw.virtio.VirtioRng;
import org.jemu.monitor.Hmp;
import org.jemu.target.riscv.priv.SystemHarts;
import org.jemu.util.Log;
import org.jemu.util.OptionException;
import org.jemu.util.QemuOpts;
import org.jemu.util.Sizes;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * {@code jemu-system-riscv64}: QEMU's qemu-system-riscv64 command line for the {@code virt} machine.
 * Errors are one line "jemu-system-riscv64: …" and exit status 1, as QEMU prints them.
 */
public final class SystemRiscv64 {
    static final String PROG = "jemu-system-riscv64";
    static final String VERSION = "7.2.0 (jemu 0.1.0)";
    /** The ISA string the device tree advertises: what the CPU implements. */
    public static final String ISA = "rv64imafdc_zicsr_zifencei_zihintpause_zba_zbb_zbs_sstc";

    private SystemRiscv64() {}

    public static void main(String[] args) {
        int status;
        try {
            status = run(args);
        } catch (OptionException e) {
            System.err.println(PROG + ": " + e.getMessage());
            status = 1;
        } catch (Exit e) {
            status = e.status; // -device help (raised after parsing)
        } catch (Exception | OutOfMemoryError e) {
            System.err.println(PROG + ": " + (e.getMessage() != null ? e.getMessage() : e.toString()));
            status = 1;
        }
        Terminal.restore();
        System.out.flush();
        System.exit(status);
    }

    /** Parsed command line. */
    static final class Args {
        QemuOpts machine;
        String cpu = "rv64";
        long ram = 128L << 20;
        int smp = 1;
        String bios = "default";
        String kernel, initrd, append;
        final List<QemuOpts> drives = new ArrayList<>();
        final List<QemuOpts> devices = new ArrayList<>();
        final List<QemuOpts> blockdevs = new ArrayList<>();
        final List<QemuOpts> chardevs = new ArrayList<>();
        /** -chardev backends by id, opened before the devices are plugged. */
        final Map<String, Chardev> chardevMap = new LinkedHashMap<>();
        boolean chardevStdio;
        boolean nographic, noReboot;
        String serial, monitor;
        /** -accel tcg[,thresh=N|all|off][,tb-size=MiB][,thread=multi] (and the jemu.tcg.* properties). */
        org.jemu.tcg.TcgOptions tcg = org.jemu.target.riscv.softmmu.SoftmmuTcg.defaultOptions();
    }

    static Args parse(String[] argv) {
        Args a = new Args();
        for (int i = 0; i < argv.length; i++) {
            String opt = argv[i];
            String name = opt.startsWith("--") ? opt.substring(1) : opt;
            if (!name.startsWith("-")) throw new OptionException(opt + ": invalid option");
            switch (name) {
                case "-version" -> { System.out.println("QEMU emulator version " + VERSION + "\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers"); throw new Exit(0); }
                case "-help", "-h" -> { System.out.print(help()); throw new Exit(0); }
                case "-nographic" -> a.nographic = true;
                case "-no-reboot" -> a.noReboot = true;
                default -> {
                    if (i + 1 >= argv.length) {
                        if (takesArg(name)) throw new OptionException(opt + ": requires an argument");
                        throw new OptionException(opt + ": invalid option");
                    }
                    if (!takesArg(name)) throw new OptionException(opt + ": invalid option");
                    String v = argv[++i];
                    try {
                        option(a, name, v);
                    } catch (OptionException e) {
                        throw new OptionException(opt + " " + v + ": " + e.getMessage());
                    }
                }
            }
        }
        return a;
    }

    private static boolean takesArg(String name) {
        return switch (name) {
            case "-M", "-machine", "-cpu", "-m", "-smp", "-bios", "-kernel", "-initrd", "-append", "-drive", "-device",
                 "-blockdev", "-chardev", "-serial", "-monitor", "-d", "-D", "-display", "-accel" -> true;
            default -> false;
        };
    }

    private static void option(Args a, String name, String v) {
        switch (name) {
            case "-M", "-machine" -> a.machine = QemuOpts.parse("machine", v, "type");
            case "-cpu" -> a.cpu = v;
            case "-m" -> {
                QemuOpts o = QemuOpts.parse("memory", v, "size");
                a.ram = Sizes.parse(o.take("size", "128"), "size", 1L << 20);
                o.rejectUnknown();
            }
            case "-smp" -> {
                QemuOpts o = QemuOpts.parse("smp-opts", v, "cpus");
                String c = o.take("cpus", "1");
                try { a.smp = Integer.parseInt(c); } catch (NumberFormatException e) { throw new OptionException("Parameter 'cpus' expects a number"); }
                String max = o.take("maxcpus", null);
                if (max != null && !max.equals(c)) throw new OptionException("maxcpus other than cpus is not supported (no CPU hotplug)");
                for (String k : List.of("sockets", "cores", "threads", "clusters")) {
                    String t = o.take(k, null);
                    if (t != null && !t.equals("1") && !(k.equals("cores") && t.equals(c))) throw new OptionException("Parameter '" + k + "' other than 1 is not supported; use -smp N");
                }
                o.rejectUnknown();
                if (a.smp < 1) throw new OptionException("Invalid CPU topology: CPU topology parameters must be greater than zero");
            }
            case "-bios" -> a.bios = v;
            case "-kernel" -> a.kernel = v;
            case "-initrd" -> a.initrd = v;
            case "-append" -> a.append = v;
            case "-drive" -> a.drives.add(QemuOpts.parse("drive", v, null));
            case "-device" -> a.devices.add(QemuOpts.parse("device", v, "driver"));
            case "-blockdev" -> a.blockdevs.add(QemuOpts.parse("blockdev", v, null));
            case "-chardev" -> a.chardevs.add(QemuOpts.parse("chardev", v, "backend"));
            case "-serial" -> a.serial = v;
            case "-monitor" -> a.monitor = v;
            case "-accel" -> a.tcg = accel(a.tcg, v);
            case "-d" -> Log.enable(v);
            case "-D" -> Log.toFile(v);
            case "-display" -> {
                if (!v.equals("none")) throw new OptionException("display '" + v + "' is not supported (jemu has no graphical display; use -nographic)");
            }
            default -> throw new OptionException("invalid option");
        }
    }

    /**
     * {@code -accel tcg[,thresh=N|all|off][,tb-size=MiB][,sync=on][,thread=multi]}: QEMU's accelerator option.
     * Every hart has its own host thread (QEMU's MTTCG), so {@code thread=multi} is what jemu does and
     * {@code thread=single} is refused; {@code thresh} and {@code sync} are jemu's (as in user mode).
     */
    static org.jemu.tcg.TcgOptions accel(org.jemu.tcg.TcgOptions base, String v) {
        StringBuilder rest = new StringBuilder();
        for (String part : v.split(",", -1)) {
            if (part.startsWith("thread=")) {
                String t = part.substring(7);
                if (t.equals("single")) throw new OptionException("thread=single is not supported (every hart runs on its own host thread, as thread=multi)");
                if (!t.equals("multi")) throw new OptionException("Parameter 'thread' expects 'single' or 'multi'");
                continue;
            }
            if (rest.length() > 0) rest.append(',');
            rest.append(part);
        }
        if (v.equals("help")) {
            System.out.println("Accelerators supported in QEMU binary:\ntcg");
            throw new Exit(0);
        }
        return base.withAccel(rest.toString());
    }

    /** Thrown to end option parsing with a status (-version, -help). */
    static final class Exit extends RuntimeException {
        final int status;
        Exit(int status) { super(null, null, false, false); this.status = status; }
    }

    static int run(String[] argv) throws Exception {
        Args a;
        try {
            a = parse(argv);
        } catch (Exit e) {
            return e.status;
        }
        String type = a.machine == null ? "virt" : a.machine.take("type", "virt");
        if (type.equals("help")) { System.out.println("Supported machines are:\nvirt                 RISC-V VirtIO board"); return 0; }
        if (!type.equals("virt")) throw new OptionException("unsupported machine type '" + type + "'\nUse -machine help to list supported machines");
        String dumpdtb = a.machine == null ? null : a.machine.take("dumpdtb", null);
        if (a.machine != null) {
            for (String k : a.machine.asMap().keySet()) throw new OptionException("Property 'virt-machine." + k + "' not found");
        }
        switch (a.cpu) {
            case "rv64", "max", "any" -> { }
            case "help" -> { System.out.println("rv64\nmax"); return 0; }
            default -> throw new OptionException("unable to find CPU model '" + a.cpu + "'");
        }
        Path bios = switch (a.bios) {
            case "none" -> null;
            case "default" -> defaultFirmware();
            default -> existing(a.bios, "firmware");
        };
        Path kernel = a.kernel == null ? null : existing(a.kernel, "kernel");
        Path initrd = a.initrd == null ? null : existing(a.initrd, "initrd");
        if (a.append != null && kernel == null) throw new OptionException("-append only allowed with -kernel option");
        if (initrd != null && kernel == null) throw new OptionException("-initrd only allowed with -kernel option");

        Map<String, Runnable> closers = new LinkedHashMap<>();
        // what ends a run of the harts: an exit status (poweroff, quit, C-a x) or RESET (guest reboot, system_reset)
        BlockingQueue<Integer> exit = new LinkedBlockingQueue<>();
        SystemControl control = new SystemControl() {
            @Override public void poweroff(int status) { exit.offer(status); }
            @Override public void reset() { exit.offer(a.noReboot ? 0 : RESET); }
        };

        // character devices
        String serialSpec = a.serial != null ? a.serial : (a.nographic || a.monitor == null ? "mon:stdio" : "stdio");
        if (a.nographic && a.serial == null && a.monitor != null && a.monitor.equals("stdio")) serialSpec = "none";
        MuxChardev[] muxHolder = new MuxChardev[1];
        VirtMachine[] machineHolder = new VirtMachine[1];
        Runnable flush = () -> { if (machineHolder[0] != null) machineHolder[0].flushDisks(); };
        Chardev serial = chardev(serialSpec, "serial0", exit, muxHolder, flush);
        Chardev monitorChr = null;
        if (a.monitor != null && !a.monitor.equals("none")) {
            if ((a.monitor.equals("stdio") || a.monitor.equals("mon:stdio")) && serialSpec.endsWith("stdio")) {
                throw new OptionException("cannot use stdio by multiple character devices");
            }
            monitorChr = chardev(a.monitor.startsWith("mon:") ? a.monitor.substring(4) : a.monitor, "monitor0", exit, null, flush);
        }

        boolean stdioTaken = serialSpec.endsWith("stdio") || (a.monitor != null && a.monitor.endsWith("stdio"));
        for (QemuOpts c : a.chardevs) openChardev(a, c, stdioTaken);

        VirtMachine m = new VirtMachine(new VirtMachine.Config(a.ram, a.smp, bios, kernel, initrd, a.append, ISA, "riscv,sv48"),
                serial, control);
        machineHolder[0] = m;
        Map<String, BlockNode> drives = new LinkedHashMap<>();
        try {
            openDrives(a, m, drives);
            m.realize();
            if (dumpdtb != null) {
                try {
                    Files.write(Path.of(dumpdtb), m.dtb());
                } catch (IOException e) {
                    throw new OptionException("Failed to write dtb to file '" + dumpdtb + "': " + e.getMessage());
                }
                System.err.println(PROG + ": info: dtb dumped to " + dumpdtb + ". Exiting.");
                return 0;
            }
            SystemHarts[] harts = {new SystemHarts(m, a.tcg)};
            Hmp.Target tgt = new Hmp.Target() {
                @Override public String version() { return VERSION; }
                @Override public String registers() { return harts[0].dumpRegisters(0); }
                @Override public String mtree() { return m.mem.mtree(); }
                @Override public String qtree() { return SystemRiscv64.qtree(m); }
                @Override public String cpus() { return harts[0].cpusInfo(); }
                @Override public String pci() { return SystemRiscv64.infoPci(m); }
                @Override public void reset() { control.reset(); }   // under -no-reboot QEMU's system_reset shuts down too
                @Override public void quit() { exit.offer(0); }
            };
            if (muxHolder[0] != null) muxHolder[0].attachMonitor(new Hmp(muxHolder[0], tgt));
            if (monitorChr != null) {
                Hmp h = new Hmp(monitorChr, tgt);
                monitorChr.attach(h);
                h.banner();
                monitorChr.start();
            }
            if (serial != null) serial.start();
            for (Chardev c : a.chardevMap.values()) c.start();
            while (true) {
                harts[0].start();
                int status = exit.take();
                boolean stopped = harts[0].stop();
                m.flushDisks();
                if (status != RESET) return status;
                if (!stopped) {
                    System.err.println(PROG + ": a hart did not stop for the system reset; exiting");
                    return 1;
                }
                // QEMU's qemu_system_reset: devices to their power-on state, images reloaded, every hart at the reset vector
                exit.clear();
                m.reset();
                harts[0] = new SystemHarts(m, a.tcg);
            }
        } finally {
            for (BlockNode n : drives.values()) {
                try { n.flush(); n.close(); } catch (IOException ignored) { /* reported by earlier flushes */ }
            }
            if (serial != null) serial.close();
            for (Chardev c : a.chardevMap.values()) c.close();
        }
    }

    static final int RESET = Integer.MIN_VALUE;

    static Path existing(String file, String what) {
        Path p = Path.of(file);
        if (!Files.isReadable(p)) throw new OptionException("could not load " + what + " '" + file + "'");
        return p;
    }

    /** -bios default: Debian's OpenSBI fw_dynamic.bin, from the jemu cache or the opensbi package. */
    static Path defaultFirmware() {
        List<Path> candidates = new ArrayList<>();
        String cache = System.getenv("JEMU_CACHE");
        candidates.add(cache != null ? Path.of(cache, "riscv64", "fw_dynamic.bin")
                : Path.of(System.getProperty("user.home"), ".cache", "jemu", "riscv64", "fw_dynamic.bin"));
        candidates.add(Path.of("/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_dynamic.bin"));
        candidates.add(Path.of("/usr/share/qemu/opensbi-riscv64-generic-fw_dynamic.bin"));
        for (Path p : candidates) if (Files.isReadable(p)) return p;
        throw new OptionException("Unable to load the RISC-V firmware \"opensbi-riscv64-generic-fw_dynamic.bin\" (looked in "
                + candidates + "; run scripts/fetch-guests.sh or install Debian's opensbi package, or use -bios FILE|none)");
    }

    private static Chardev chardev(String spec, String id, BlockingQueue<Integer> exit, MuxChardev[] muxOut, Runnable flush) {
        switch (spec) {
            case "none", "null" -> { return spec.equals("null") ? new Chardev(id, OutputStream.nullOutputStream(), null) : null; }
            case "stdio" -> {
                Terminal.raw();
                return new Chardev(id, new FileOutputStream(FileDescriptor.out), new FileInputStream(FileDescriptor.in));
            }
            case "mon:stdio" -> {
                Terminal.raw();
                MuxChardev mux = new MuxChardev(id, new FileOutputStream(FileDescriptor.out), new FileInputStream(FileDescriptor.in),
                        new MuxChardev.Actions() {
                            @Override public void exit() { exit.offer(0); }
                            @Override public void flushDisks() { flush.run(); }
                        });
                if (muxOut != null) muxOut[0] = mux;
                return mux;
            }
            default -> {
                if (spec.startsWith("file:")) {
                    try {
                        return new Chardev(id, Files.newOutputStream(Path.of(spec.substring(5))), null);
                    } catch (IOException e) {
                        throw new OptionException("could not open '" + spec.substring(5) + "': " + e.getMessage());
                    }
                }
                throw new OptionException("'" + spec + "' is not a supported character device (stdio, mon:stdio, file:PATH, null, none)");
            }
        }
    }

    /** -chardev stdio|file|null,id=ID[,path=F]: the backends virtconsole can use. */
    static void openChardev(Args a, QemuOpts c, boolean stdioTaken) {
        String backend = c.take("backend", "");
        String id = c.take("id", null);
        if (id == null) throw new OptionException("-chardev " + backend + ": Parameter 'id' is missing");
        if (a.chardevMap.containsKey(id)) throw new OptionException("-chardev " + backend + ",id=" + id + ": attempt to add duplicate property '" + id + "' to object (type 'container')");
        Chardev chr = switch (backend) {
            case "stdio" -> {
                if (stdioTaken || a.chardevStdio)
                    throw new OptionException("-chardev stdio,id=" + id + ": cannot use stdio by multiple character devices");
                c.take("signal", null);
                a.chardevStdio = true;
                Terminal.raw();
                yield new Chardev(id, new FileOutputStream(FileDescriptor.out), new FileInputStream(FileDescriptor.in));
            }
            case "file" -> {
                String path = c.take("path", null);
                if (path == null) throw new OptionException("-chardev file,id=" + id + ": chardev: file: no filename given");
                try {
                    yield new Chardev(id, Files.newOutputStream(Path.of(path)), null);
                } catch (IOException e) {
                    throw new OptionException("-chardev file,id=" + id + ",path=" + path + ": Could not open '" + path + "': " + e.getMessage());
                }
            }
            case "null" -> new Chardev(id, OutputStream.nullOutputStream(), null);
            default -> throw new OptionException("-chardev " + backend + ": chardev backend '" + backend + "' is not supported (stdio, file, null)");
        };
        c.rejectUnknown();
        a.chardevMap.put(id, chr);
    }

    /** -drive / -blockdev / -device: opens images through the block layer and plugs devices. */
    static void openDrives(Args a, VirtMachine m, Map<String, BlockNode> nodes) throws IOException {
        Map<String, Boolean> readOnlyById = new LinkedHashMap<>();
        Map<String, Boolean> used = new LinkedHashMap<>();
        // if=virtio drives become virtio-blk-pci functions after every -device, as QEMU appends their
        // device options behind the command line's (QEMU's "virtio-blk" alias is virtio-blk-pci on riscv)
        List<VirtioBlk> ifVirtio = new ArrayList<>();
        int anon = 0;
        for (QemuOpts d : a.drives) {
            String spec = d.toString();
            String file = d.take("file", null);
            String format = d.take("format", null);
            String iface = d.take("if", "virtio");
            String id = d.take("id", null);
            boolean ro = d.takeBool("readonly", false);
            String media = d.take("media", "disk");
            String serialNo = d.take("serial", null);
            d.take("index", null);
            if (!media.equals("disk")) throw new OptionException("-drive: media=" + media + " is not supported (virtio disks only)");
            if (file == null) throw new OptionException("-drive " + spec + ": A block device must be specified for \"file\"");
            BlockNode n;
            try {
                n = BlockDrivers.open(file, format, ro, d);
            } catch (IOException e) {
                throw new OptionException("-drive file=" + file + ": " + e.getMessage());
            }
            switch (iface) {
                case "virtio" -> {
                    String key = id != null ? id : "virtio" + anon++;
                    nodes.put(key, n);
                    ifVirtio.add(new VirtioBlk(n, ro, serialNo));
                }
                case "none" -> {
                    if (id == null) throw new OptionException("-drive " + spec + ": if=none needs an id=");
                    nodes.put(id, n);
                    readOnlyById.put(id, ro);
                    used.put(id, false);
                }
                default -> throw new OptionException("-drive file=" + file + ": machine type does not support if=" + iface);
            }
        }
        for (QemuOpts b : a.blockdevs) {
            String driver = b.take("driver", null);
            String nodeName = b.take("node-name", null);
            if (driver == null || nodeName == null) throw new OptionException("-blockdev " + b + ": needs driver= and node-name=");
            String file = b.take("file.filename", b.take("filename", null));
            b.take("file.driver", null);
            boolean ro = b.takeBool("read-only", false);
            if (file == null) throw new OptionException("-blockdev node-name=" + nodeName + ": needs file.filename=");
            String fmt = driver.equals("file") ? "raw" : driver;
            try {
                nodes.put(nodeName, BlockDrivers.open(file, fmt, ro, b));
            } catch (IOException e) {
                throw new OptionException("-blockdev node-name=" + nodeName + ": " + e.getMessage());
            }
            readOnlyById.put(nodeName, ro);
            used.put(nodeName, false);
        }
        VirtioConsole lastSerial = null;
        boolean lastSerialHasPort = false;
        java.util.Set<String> usedChardevs = new java.util.HashSet<>();
        for (QemuOpts dev : a.devices) {
            String driver = dev.take("driver", "");
            if (driver.equals("virtconsole")) {
                String chr = dev.take("chardev", null);
                dev.take("id", null);
                String name = dev.take("name", null);
                if (name != null) throw new OptionException("-device virtconsole,name=" + name + ": port names need multiport, which is not supported");
                dev.rejectUnknown();
                if (lastSerial == null) throw new OptionException("-device virtconsole: No 'virtio-serial-bus' bus found for device 'virtconsole'; add -device virtio-serial-pci or virtio-serial-device before it");
                if (lastSerialHasPort) throw new OptionException("-device virtconsole: only one virtconsole per virtio-serial device is supported (no multiport)");
                Chardev c = null;
                if (chr != null) {
                    c = a.chardevMap.get(chr);
                    if (c == null) throw new OptionException("-device virtconsole,chardev=" + chr + ": Property 'virtconsole.chardev' can't find value '" + chr + "'");
                    if (!usedChardevs.add(chr)) throw new OptionException("-device virtconsole,chardev=" + chr + ": Property 'virtconsole.chardev' can't take value '" + chr + "': Device '" + chr + "' is in use");
                }
                lastSerial.connect(c);
                lastSerialHasPort = true;
                continue;
            }
            VirtioDevice vd = switch (driver) {
                case "virtio-blk-device", "virtio-blk", "virtio-blk-pci" -> {
                    String drive = dev.take("drive", null);
                    if (drive == null) throw new OptionException("-device " + driver + ": drive property not set");
                    BlockNode n = nodes.get(drive);
                    if (n == null || !used.containsKey(drive)) throw new OptionException("-device " + driver + ",drive=" + drive + ": Property '" + driver + ".drive' can't find value '" + drive + "'");
                    if (used.put(drive, true)) throw new OptionException("-device " + driver + ",drive=" + drive + ": Drive '" + drive + "' is already in use by another device");
                    String serialNo = dev.take("serial", null);
                    yield new VirtioBlk(n, readOnlyById.get(drive), serialNo);
                }
                case "virtio-rng-device", "virtio-rng", "virtio-rng-pci" -> new VirtioRng();
                case "virtio-serial-device", "virtio-serial", "virtio-serial-pci" -> {
                    for (String k : List.of("max_ports", "multiport")) {
                        String v = dev.take(k, null);
                        if (v != null) throw new OptionException("-device " + driver + "," + k + "=" + v + ": multiport virtio-serial is not supported (one virtconsole port)");
                    }
                    lastSerial = new VirtioConsole();
                    lastSerialHasPort = false;
                    yield lastSerial;
                }
                case "virtserialport" -> throw new OptionException("-device virtserialport: not supported (no multiport); use -device virtconsole,chardev=ID");
                case "help" -> { System.out.println("virtio-blk-device\nvirtio-blk-pci\nvirtio-rng-device\nvirtio-rng-pci\nvirtio-serial-device\nvirtio-serial-pci\nvirtconsole"); throw new Exit(0); }
                default -> throw new OptionException("-device " + driver + ": '" + driver + "' is not a valid device model name");
            };
            dev.take("id", null);
            // QEMU's aliases virtio-blk / virtio-rng / virtio-serial name the PCI devices on riscv (QEMU_ARCH_VIRTIO_PCI)
            if (driver.endsWith("-pci") || !driver.endsWith("-device")) {
                String addr = dev.take("addr", null);
                if (addr != null) throw new OptionException("-device " + driver + ",addr=" + addr + ": addr= is not supported (devices take the next free slot)");
                dev.rejectUnknown();
                m.addVirtioPci(vd);
            } else {
                dev.rejectUnknown();
                m.addVirtioMmio(vd);
            }
        }
        for (VirtioBlk b : ifVirtio) m.addVirtioPci(b);
    }

    /** {@code info pci} as QEMU prints it: the host bridge and every virtio-pci function on bus 0. */
    static String infoPci(VirtMachine m) {
        StringBuilder sb = new StringBuilder("  Bus  0, device   0, function 0:\n    Host bridge: PCI device 1b36:0008\n"
                + "      PCI subsystem 1af4:1100\n      id \"\"\n");
        for (int slot = 1; slot < 32; slot++) {
            if (!(m.pcie.function(slot) instanceof org.jemu.hw.virtio.VirtioPci p)) continue;
            int cls = (int) p.readConfig(0x0a, 2);
            String what = cls == 0x0100 ? "SCSI controller" : String.format("Class %04d", cls);   // QEMU: decimal class
            long bar = p.barAddress(4);
            sb.append(String.format("  Bus  0, device %3d, function 0:%n    %s: PCI device 1af4:%04x%n      PCI subsystem 1af4:1100%n",
                    slot, what, p.readConfig(2, 2)));
            sb.append(String.format("      IRQ %d, pin A%n", p.readConfig(0x3c, 1)));
            sb.append(String.format("      BAR4: 64 bit prefetchable memory at 0x%08x [0x%08x].%n",
                    bar, bar == -1 ? org.jemu.hw.virtio.VirtioPci.BAR_SIZE - 2 : bar + org.jemu.hw.virtio.VirtioPci.BAR_SIZE - 1));
            sb.append("      id \"\"\n");
        }
        return sb.toString();
    }

    static String qtree(VirtMachine m) {
        StringBuilder sb = new StringBuilder("bus: main-system-bus\n  type System\n");
        sb.append("  dev: riscv.sifive.plic, id \"\"\n  dev: riscv.aclint.swi+mtimer, id \"\"\n  dev: serial-mm, id \"\"\n");
        sb.append("  dev: goldfish_rtc, id \"\"\n  dev: riscv.sifive.test, id \"\"\n  dev: gpex-pcihost, id \"\"\n");
        sb.append("    bus: pcie.0\n      type PCIE\n");
        for (int slot = 1; slot < 32; slot++) {
            if (!(m.pcie.function(slot) instanceof org.jemu.hw.virtio.VirtioPci p)) continue;
            long bar = p.barAddress(4);
            sb.append("      dev: ").append(p.device().name()).append("-pci, id \"\"\n")
              .append(String.format("        addr = %02x.0%n        pci id 1af4:%04x (sub 1af4:1100)%n", slot, p.readConfig(2, 2)))
              .append(bar == -1 ? "        bar 4: mem at 0xffffffffffffffff [0x3ffe]\n"
                      : String.format("        bar 4: mem at 0x%x [0x%x]%n", bar, bar + org.jemu.hw.virtio.VirtioPci.BAR_SIZE - 1))
              .append("        bus: virtio-bus\n          type virtio-pci-bus\n          dev: ").append(p.device().name()).append("-device, id \"\"\n");
        }
        for (int i = 0; i < 8; i++) {
            var slot = m.virtioSlot(i);
            sb.append(String.format("  dev: virtio-mmio, id \"\"%n    mmio 00000000%08x/0000000000000200%n", 0x10001000L + i * 0x1000L));
            if (slot != null && slot.device() != null) sb.append("    bus: virtio-mmio-bus.").append(i).append("\n      dev: ").append(slot.device().name()).append("-device, id \"\"\n");
        }
        return sb.toString();
    }

    static String help() {
        return """
                usage: jemu-system-riscv64 [options]

                Standard options:
                -h or -help     display this help and exit
                -version        display version information and exit
                -machine virt[,dumpdtb=file]
                -M virt         the RISC-V VirtIO board (the only machine)
                -cpu rv64       select CPU (rv64, max)
                -smp N          number of harts (one host thread each)
                -m [size=]megs[M|G]  RAM size (default 128M)
                -accel tcg[,thresh=N|all|off][,tb-size=MiB][,thread=multi]
                                translate hot guest code to JVM bytecode after N entries (default 1000000;
                                'all' = everything at once, 'off' = interpreter only)

                Block device options:
                -drive file=F[,format=raw|qcow2|...][,if=virtio|none][,id=ID][,readonly=on][,cache=writeback|none|writethrough|directsync|unsafe]
                -blockdev driver=FMT,node-name=N,file.filename=F[,read-only=on]
                -device virtio-blk-device,drive=ID | virtio-rng-device (virtio-mmio)
                -device virtio-blk-pci,drive=ID | virtio-rng-pci (virtio-pci, modern, INTx)
                -device virtio-serial-device|virtio-serial-pci -device virtconsole,chardev=ID (one port)
                -chardev stdio|file|null,id=ID[,path=FILE]

                Boot options:
                -bios default|none|FILE  firmware (default: OpenSBI fw_dynamic.bin)
                -kernel bzImage  Linux Image (flat, at 0x80200000) or ELF
                -append cmdline  kernel command line
                -initrd file     initial ram disk

                Display and character devices:
                -nographic      serial port and monitor multiplexed on stdio (C-a h for help)
                -serial stdio|mon:stdio|file:PATH|null|none
                -monitor stdio|none
                -display none

                Debug:
                -d item1,...    enable logging of specified items (use '-d help' for a list)
                -D logfile      output log to logfile (default stderr)
                -no-reboot      exit instead of rebooting
                """;
    }

    /** Puts the host terminal in raw mode for -nographic and restores it at exit. */
    static final class Terminal {
        private static String saved;

        static synchronized void raw() {
            if (saved != null || System.console() == null || !System.console().isTerminal()) return;
            try {
                saved = stty("-g").trim();
                stty("raw", "-echo");
            } catch (IOException | InterruptedException e) {
                saved = null;
            }
        }

        static synchronized void restore() {
            if (saved == null) return;
            try { stty(saved); } catch (IOException | InterruptedException ignored) { /* best effort */ }
            saved = null;
        }

        private static String stty(String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("stty"));
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            String out = new String(p.getInputStream().readAllBytes());
            p.waitFor();
            return out;
        }
    }
}
