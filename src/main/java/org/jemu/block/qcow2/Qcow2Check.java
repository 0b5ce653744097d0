package org.jemu.block.qcow2;

import org.jemu.block.BlockException;
import org.jemu.block.ImageCheck;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * qemu-img check for qcow2 (QEMU's qcow2_check_refcounts): recounts every reference from the header,
 * the active and snapshot L1/L2 tables, the snapshot table and the refcount structures, compares them
 * with the stored refcounts, checks the OFLAG_COPIED flags, and optionally repairs leaks / errors.
 */
public final class Qcow2Check {
    public static final int FIX_LEAKS = ImageCheck.FIX_LEAKS, FIX_ERRORS = ImageCheck.FIX_ERRORS;
    
    private Qcow2Check() {}

    public static ImageCheck check(Qcow2Node n, int fix) throws IOException {
        synchronized (n) {
            n.dropCaches();
            ImageCheck r = run(n, fix);
            if (r.leaksFixed > 0 || r.corruptionsFixed > 0) {
                n.dropCaches();
                ImageCheck again = run(n, 0);
                again.leaksFixed = r.leaksFixed;
                again.corruptionsFixed = r.corruptionsFixed;
                again.messages.addAll(0, r.messages);
                return again;
            }
            return r;
        }
    }

    private static ImageCheck run(Qcow2Node n, int fix) throws IOException {
        ImageCheck r = new ImageCheck();
        int cs = n.cs, cb = n.cb;
        long fileSize = n.fileSize();
        long nb = (fileSize + cs - 1) >>> cb;
        if (nb > (1L << 28)) throw new BlockException("Image file too large to check (" + nb + " clusters)");
        int[] refs = new int[(int) Math.max(nb, 1)];
        long[] highest = {-1};
        Counter inc = (off, size) -> {
            if (size <= 0) return;
            for (long c = off >>> cb; c <= (off + size - 1) >>> cb; c++) {
                if (c >= nb) {
                    r.messages.add("ERROR: cluster " + c + " (offset 0x" + Long.toHexString(c << cb) + ") is beyond the end of the image file");
                    r.corruptions++;
                    continue;
                }
                refs[(int) c]++;
                if (c > highest[0]) highest[0] = c;
            }
        };
        QcowHeader h = n.h;
        r.totalClusters = (h.size + cs - 1) >>> cb;
        inc.add(0, cs);
        // active L1 and its tree
        inc.add(h.l1_table_offset, (long) h.l1_size * 8);
        walkL1(n, n.activeL1(), true, inc, r, fileSize);
        // snapshots
        for (QCowSnapshotHeader s : n.snapshots) {
            inc.add(s.l1_table_offset, (long) s.l1_size * 8);
            long[] sl1 = readLongs(n, s.l1_table_offset, s.l1_size);
            walkL1(n, sl1, false, inc, r, fileSize);
        }
        if (h.nb_snapshots > 0) {
            long len = 0;
            for (QCowSnapshotHeader s : n.snapshots) len += s.encode().length;
            inc.add(h.snapshots_offset, len);
        }
        // refcount structures
        inc.add(h.refcount_table_offset, (long) h.refcount_table_clusters * cs);
        for (int i = 0; i < n.reftable.length; i++) {
            long off = n.reftable[i] & Qcow2Node.REFT_OFFSET_MASK;
            if (off == 0) continue;
            if ((off & (cs - 1)) != 0) {
                r.messages.add("ERROR refcount block " + i + " is not cluster aligned; refcount table entry corrupted");
                r.corruptions++;
                continue;
            }
            if (off >= fileSize) {
                r.messages.add("ERROR refcount block " + i + " is outside image");
                r.corruptions++;
                continue;
            }
            inc.add(off, cs);
        }
        // compare
        for (long c = 0; c < nb; c++) {
            long stored;
            try {
                stored = n.getRefcount(c);
            } catch (BlockException e) {
                r.messages.add("Can't get refcount for cluster " + c + ": " + e.getMessage());
                r.checkErrors++;
                continue;
            }
            long computed = refs[(int) c];
            if (stored == computed) continue;
            if (computed == 0 && n.isRefcountMetadata(c)) continue; // created by a repair in this pass
            boolean fixed = false;
            String what;
            if (stored > computed && (fix & FIX_LEAKS) != 0) { what = "Repairing"; fixed = true; }
            else if (stored < computed && (fix & FIX_ERRORS) != 0) { what = "Repairing"; fixed = true; }
            else what = stored < computed ? "ERROR" : "Leaked";
            r.messages.add(what + " cluster " + c + " refcount=" + stored + " reference=" + computed);
            if (fixed) {
                n.setRefcount(c, computed);
                if (stored > computed) r.leaksFixed++; else r.corruptionsFixed++;
            } else if (stored < computed) r.corruptions++;
            else r.leaks++;
        }
        // OFLAG_COPIED of the active tables
        checkCopied(n, fix, r);
        r.imageEndOffset = (highest[0] + 1) << cb;
        return r;
    }

    interface Counter { void add(long off, long size); }

    private static long[] readLongs(Qcow2Node n, long off, int count) throws IOException {
        long[] out = new long[count];
        if (count == 0) return out;
        ByteBuffer b = ByteBuffer.allocate(count * 8);
        n.file.read(off, b);
        b.flip().asLongBuffer().get(out);
        return out;
    }

    private static void walkL1(Qcow2Node n, long[] l1, boolean active, Counter inc, ImageCheck r, long fileSize) throws IOException {
        int cs = n.cs;
        long nextContiguous = 0;
        for (int i = 0; i < l1.length; i++) {
            long l2off = l1[i] & Qcow2Node.L1E_OFFSET_MASK;
            if (l2off == 0) continue;
            if ((l2off & (cs - 1)) != 0) {
                r.messages.add("ERROR l2_offset=" + Long.toHexString(l2off) + ": Table is not cluster aligned; L1 entry corrupted");
                r.corruptions++;
                continue;
            }
            if (l2off >= fileSize) {
                r.messages.add("ERROR l2_offset=" + Long.toHexString(l2off) + ": Table is beyond the end of the image file; L1 entry corrupted");
                r.corruptions++;
                continue;
            }
            inc.add(l2off, cs);
            nextContiguous = 0; // QEMU counts fragmentation within each L2 table
            long[] t = readLongs(n, l2off, cs / 8);
            int entries = n.l2Entries();
            for (int j = 0; j < entries; j++) {
                long e = n.extL2 ? t[2 * j] : t[j];
                long bitmap = n.extL2 ? t[2 * j + 1] : 0;
                long guestCluster = ((long) i << (n.cb - (n.extL2 ? 4 : 3))) + j;
                if ((e & Qcow2Node.QCOW_OFLAG_COMPRESSED) != 0) {
                    if ((e & Qcow2Node.QCOW_OFLAG_COPIED) != 0) {
                        r.messages.add("ERROR: coffset=0x" + Long.toHexString(e & n.clusterOffsetMask) + ": copied flag must never be set for compressed clusters");
                        r.corruptions++;
                    }
                    if (n.extL2 && bitmap != 0) {
                        r.messages.add("ERROR compressed cluster " + guestCluster + " with non-zero subcluster allocation bitmap, entry=0x" + Long.toHexString(e));
                        r.corruptions++;
                    }
                    long[] p = n.parseCompressed(e);
                    if (p[0] >= fileSize) {
                        r.messages.add("ERROR compressed cluster " + guestCluster + " at 0x" + Long.toHexString(p[0]) + " lies beyond the end of the image file");
                        r.corruptions++;
                        continue;
                    }
                    inc.add(p[0], p[1]);
                    if (active) {
                        // compressed clusters are fragmented by nature (QEMU counts each one)
                        r.allocatedClusters++;
                        r.compressedClusters++;
                        r.fragmentedClusters++;
                    }
                    continue;
                }
                long host = e & Qcow2Node.L2E_OFFSET_MASK;
                if (n.extL2) {
                    if (((bitmap >>> 32) & bitmap & 0xffffffffL) != 0) {
                        r.messages.add("ERROR invalid subcluster bitmap 0x" + Long.toHexString(bitmap) + " for guest cluster " + guestCluster);
                        r.corruptions++;
                    }
                    if (host == 0 && (bitmap & 0xffffffffL) != 0) {
                        r.messages.add("ERROR guest cluster " + guestCluster + " has allocated subclusters but no host cluster");
                        r.corruptions++;
                    }
                }
                if (host == 0) continue;
                if ((host & (cs - 1)) != 0) {
                    r.messages.add("ERROR offset=" + Long.toHexString(host) + ": Cluster is not properly aligned; L2 entry corrupted.");
                    r.corruptions++;
                    continue;
                }
                inc.add(host, cs);
                if (active) {
                    r.allocatedClusters++;
                    if (nextContiguous != 0 && host != nextContiguous) r.fragmentedClusters++;
                    nextContiguous = host + cs;
                }
            }
        }
    }

    private static void checkCopied(Qcow2Node n, int fix, ImageCheck r) throws IOException {
        long[] l1 = n.activeL1();
        int cs = n.cs;
        long fileSize = n.fileSize();
        for (int i = 0; i < l1.length; i++) {
            long l2off = l1[i] & Qcow2Node.L1E_OFFSET_MASK;
            if (l2off == 0 || (l2off & (cs - 1)) != 0 || l2off >= fileSize) continue;
            long rc = n.getRefcount(l2off >>> n.cb);
            boolean copied = (l1[i] & Qcow2Node.QCOW_OFLAG_COPIED) != 0;
            if ((rc == 1) != copied) {
                boolean repair = (fix & FIX_ERRORS) != 0;
                r.messages.add((repair ? "Repairing" : "ERROR") + " OFLAG_COPIED L2 cluster: l1_index=" + i + " l1_entry=" + Long.toHexString(l1[i]) + " refcount=" + rc);
                if (repair) {
                    l1[i] = rc == 1 ? l1[i] | Qcow2Node.QCOW_OFLAG_COPIED : l1[i] & ~Qcow2Node.QCOW_OFLAG_COPIED;
                    n.file.write(n.h.l1_table_offset + 8L * i, ByteBuffer.allocate(8).putLong(0, l1[i]));
                    r.corruptionsFixed++;
                } else r.corruptions++;
            }
            long[] t = n.loadL2(l2off);
            boolean changed = false;
            for (int j = 0; j < n.l2Entries(); j++) {
                int ei = n.extL2 ? 2 * j : j;
                long e = t[ei];
                if ((e & Qcow2Node.QCOW_OFLAG_COMPRESSED) != 0) continue;
                long host = e & Qcow2Node.L2E_OFFSET_MASK;
                if (host == 0 || (host & (cs - 1)) != 0) continue;
                long drc = n.getRefcount(host >>> n.cb);
                boolean dc = (e & Qcow2Node.QCOW_OFLAG_COPIED) != 0;
                if ((drc == 1) != dc) {
                    boolean repair = (fix & FIX_ERRORS) != 0;
                    r.messages.add((repair ? "Repairing" : "ERROR") + " OFLAG_COPIED data cluster: l2_entry=" + Long.toHexString(e) + " refcount=" + drc);
                    if (repair) {
                        t[ei] = drc == 1 ? e | Qcow2Node.QCOW_OFLAG_COPIED : e & ~Qcow2Node.QCOW_OFLAG_COPIED;
                        changed = true;
                        r.corruptionsFixed++;
                    } else r.corruptions++;
                }
            }
            if (changed) {
                ByteBuffer bb = ByteBuffer.allocate(cs);
                bb.asLongBuffer().put(t);
                n.file.write(l2off, bb);
            }
        }
    }
}
