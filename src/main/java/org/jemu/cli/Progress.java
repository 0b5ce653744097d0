package org.jemu.cli;

/** qemu-img -p: "    (NN.NN/100%)\r" every percent, a newline at the end (util/qemu-progress.c). */
final class Progress {
    private final boolean on;
    private final long total;
    private double last = -1;

    Progress(boolean on, long total) {
        this.on = on;
        this.total = Math.max(1, total);
        if (on) print(0);
    }

    synchronized void update(long done) {
        if (!on) return;
        double pct = Math.min(100.0, done * 100.0 / total);
        if (pct - last >= 1.0 || (pct == 100.0 && last < 100.0)) print(pct);
    }

    private void print(double pct) {
        last = pct;
        Img.out.printf("    (%3.2f/100%%)\r", pct);
        Img.out.flush();
    }

    synchronized void done() {
        if (!on) return;
        if (last < 100.0) print(100.0);
        Img.out.print("\n");
        Img.out.flush();
    }
}
