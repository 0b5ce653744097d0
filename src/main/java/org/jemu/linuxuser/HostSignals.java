package org.jemu.linuxuser;

/**
 * Host signals sent to the jemu process (Ctrl-C, kill, SIGCHLD from children, SIGALRM from alarm(2)…)
 * forwarded to the guest through the JVM's signal dispatcher. A signal whose guest action is the default
 * "terminate" ends jemu with that same host signal. The JVM keeps SIGSEGV, SIGBUS, SIGFPE, SIGILL and
 * SIGQUIT for itself; for the guest those arise only from its own faults or from kill/tgkill inside it.
 */
public final class HostSignals {
    private HostSignals() {}

    private static final String[] FORWARDED = {"HUP", "INT", "TERM", "USR1", "USR2", "ALRM", "CHLD", "WINCH", "CONT",
        "TSTP", "TTIN", "TTOU", "URG", "VTALRM", "PROF", "IO", "PWR", "XCPU", "XFSZ", "SYS", "TRAP", "ABRT"};

    @SuppressWarnings("removal")
    static void install(LinuxProcess p) {
        for (String n : FORWARDED) {
            try {
                sun.misc.Signal s = new sun.misc.Signal(n);
                sun.misc.Signal.handle(s, sig -> onHostSignal(p, sig.getNumber()));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                // used by the VM or the OS: stays with the JVM
            }
        }
    }

    static void onHostSignal(LinuxProcess p, int sig) {
        long h = p.sigact[sig][0];
        if (h == Sig.SIG_IGN) return;
        byte[] info = LinuxProcess.siginfo(sig, 0 /* SI_USER */, 0, 0);
        if (h == Sig.SIG_DFL) {
            switch (Sig.defaultAction(sig)) {
                case IGNORE, CONT -> { return; }
                case STOP -> {
                    Host.syscall(Host.KILL, p.pid, Sig.SIGSTOP);
                    return;
                }
                default -> {
                    boolean blockedEverywhere = true;
                    for (GuestThread t : p.threads.values()) if ((t.blocked & Sig.bit(sig)) == 0) blockedEverywhere = false;
                    if (!blockedEverywhere) p.terminateBySignal(sig, Sig.defaultAction(sig) == Sig.Action.CORE);
                }
            }
        }
        p.signalProcess(sig, info);
    }
}
