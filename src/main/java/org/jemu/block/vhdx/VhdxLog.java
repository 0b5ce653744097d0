package org.jemu.block.vhdx;

import org.jemu.block.BlockException;
import org.jemu.block.BlockNode;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32C;

/**
 * The VHDX log: a circular buffer of LogLength bytes at LogOffset holding log entries made of 4 KiB
 * sectors. An entry is a header
 * <pre>
 *  0 Signature "loge"  4 Checksum (CRC32C of the whole entry, this field zero)  8 EntryLength
 * 12 Tail  16 SequenceNumber  24 DescriptorCount  28 Reserved  32 LogGuid  48 FlushedFileOffset
 * 56 LastFileOffset
 * </pre>
 * followed by 32-byte descriptors — zero descriptors ("zero", Reserved, ZeroLength, FileOffset,
 * SequenceNumber) and data descriptors ("desc", TrailingBytes, LeadingBytes, FileOffset,
 * SequenceNumber) — padded to 4 KiB, then one data sector per data descriptor ("data",
 * SequenceHigh, Data[4084], SequenceLow). Replay finds the active sequence (valid entries with
 * consecutive sequence numbers ending at the highest one, starting at its head's Tail) and applies
 * it to the file.
 */
final class VhdxLog {
    static final int SECTOR = 4096;
    static final int ENTRY_SIGNATURE = 0x65676f6c;  // "loge"
    static final int ZERO_SIGNATURE = 0x6f72657a;   // "zero"
    static final int DESC_SIGNATURE = 0x63736564;   // "desc"
    static final int DATA_SIGNATURE = 0x61746164;   // "data"

    /** One descriptor of an entry. {@code data} is the 4 KiB to write (data) or null (zero). */
    static final long MAX_ENTRY = 64L << 20, MAX_LOG = 1L << 30;

    record Descriptor(long fileOffset, long zeroLength, byte[] data) {}

    record Entry(long start, long length, long tail, long sequence, long flushedFileOffset, long lastFileOffset, List<Descriptor> descriptors) {}

    private final BlockNode file;
    private final long logOffset, logLength;
    private final UUID logGuid;

    VhdxLog(BlockNode file, long logOffset, long logLength, UUID logGuid) {
        this.file = file; this.logOffset = logOffset; this.logLength = logLength; this.logGuid = logGuid;
    }

    private byte[] readCircular(long pos, long len) throws IOException {
        byte[] out = new byte[(int) len];
        long done = 0;
        while (done < len) {
            long p = (pos + done) % logLength;
            long n = Math.min(len - done, logLength - p);
            file.read(logOffset + p, ByteBuffer.wrap(out, (int) done, (int) n));
            done += n;
        }
        return out;
    }

    /**
     * Reads the entry at {@code pos}: null when it is not a valid entry (wrong signature, bad checksum,
     * other log GUID: torn or stale, as the specification allows); an exception when a checksummed
     * entry contradicts itself (the log lies).
     */
    Entry readEntry(long pos) throws IOException {
        byte[] h = readCircular(pos, SECTOR);
        ByteBuffer b = ByteBuffer.wrap(h).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(0) != ENTRY_SIGNATURE) return null;
        long entryLength = Integer.toUnsignedLong(b.getInt(8));
        if (entryLength < SECTOR || entryLength % SECTOR != 0 || entryLength > logLength) return null;
        if (!VhdxGuid.get(b, 32).equals(logGuid)) return null;
        if (entryLength > MAX_ENTRY) {
            throw new BlockException("VHDX log entry at log offset " + pos + " is " + entryLength + " bytes long, more than jemu replays (" + MAX_ENTRY + ")");
        }
        byte[] all = readCircular(pos, entryLength);
        if (VhdxHeader.crc(all, 4) != b.getInt(4)) return null;
        // from here on the entry is checksummed: inconsistencies are lies, not torn writes
        ByteBuffer e = ByteBuffer.wrap(all).order(ByteOrder.LITTLE_ENDIAN);
        long tail = Integer.toUnsignedLong(e.getInt(12));
        long seq = e.getLong(16);
        long count = Integer.toUnsignedLong(e.getInt(24));
        long flushed = e.getLong(48), last = e.getLong(56);
        String where = "VHDX log entry " + Long.toUnsignedString(seq) + " at log offset " + pos;
        if (tail % SECTOR != 0 || tail >= logLength) throw new BlockException(where + " is corrupt: tail " + tail + " is not a sector of the log");
        long descSectors = (64 + count * 32 + SECTOR - 1) / SECTOR;
        if (descSectors * SECTOR > entryLength) throw new BlockException(where + " is corrupt: " + count + " descriptors do not fit in " + entryLength + " bytes");
        List<Descriptor> ds = new ArrayList<>();
        long dataSector = descSectors;
        for (int i = 0; i < count; i++) {
            int d = 64 + i * 32;
            int sig = e.getInt(d);
            long fileOffset = e.getLong(d + 16);
            long dseq = e.getLong(d + 24);
            if (dseq != seq) throw new BlockException(where + " is corrupt: descriptor " + i + " has sequence number " + Long.toUnsignedString(dseq));
            if (fileOffset < 0 || fileOffset % SECTOR != 0) throw new BlockException(where + " is corrupt: descriptor " + i + " has unaligned file offset " + Long.toUnsignedString(fileOffset));
            if (sig == ZERO_SIGNATURE) {
                long zl = e.getLong(d + 8);
                if (zl < 0 || zl % SECTOR != 0 || fileOffset + zl < 0) throw new BlockException(where + " is corrupt: zero descriptor " + i + " has length " + Long.toUnsignedString(zl));
                ds.add(new Descriptor(fileOffset, zl, null));
            } else if (sig == DESC_SIGNATURE) {
                if ((dataSector + 1) * SECTOR > entryLength) throw new BlockException(where + " is corrupt: data descriptor " + i + " has no data sector");
                int s = (int) (dataSector * SECTOR);
                if (e.getInt(s) != DATA_SIGNATURE) throw new BlockException(where + " is corrupt: data sector " + dataSector + " has no \"data\" signature");
                long sh = Integer.toUnsignedLong(e.getInt(s + 4)), sl = Integer.toUnsignedLong(e.getInt(s + SECTOR - 4));
                if ((sh << 32 | sl) != seq) throw new BlockException(where + " is corrupt: data sector " + dataSector + " belongs to sequence " + Long.toUnsignedString(sh << 32 | sl));
                byte[] data = new byte[SECTOR];
                System.arraycopy(all, s, data, 0, SECTOR);
                ByteBuffer db = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
                db.putLong(0, e.getLong(d + 8));                // LeadingBytes
                db.putInt(SECTOR - 4, e.getInt(d + 4));         // TrailingBytes
                ds.add(new Descriptor(fileOffset, SECTOR, data));
                dataSector++;
            } else {
                throw new BlockException(where + " is corrupt: descriptor " + i + " has an unknown signature");
            }
        }
        if (dataSector * SECTOR != entryLength) throw new BlockException(where + " is corrupt: entry length " + entryLength + " does not match its descriptors");
        return new Entry(pos, entryLength, tail, seq, flushed, last, ds);
    }

    /** The entries to replay, oldest first (empty if the log holds no valid sequence). */
    List<Entry> activeSequence() throws IOException {
        if (logLength > MAX_LOG) throw new BlockException("VHDX log of " + logLength + " bytes is larger than jemu replays (" + MAX_LOG + ")");
        java.util.Map<Long, Entry> cache = new java.util.HashMap<>();
        java.util.Set<Long> visited = new java.util.HashSet<>();
        List<Entry> best = List.of();
        for (long pos = 0; pos < logLength; pos += SECTOR) {
            if (visited.contains(pos)) continue;
            Entry first = cached(cache, pos);
            if (first == null) continue;
            List<Entry> seq = new ArrayList<>();
            seq.add(first);
            visited.add(pos);
            Entry cur = first;
            long walked = cur.length();
            while (walked < logLength) {
                long np = (cur.start() + cur.length()) % logLength;
                Entry next = cached(cache, np);
                if (next == null || next.sequence() != cur.sequence() + 1) break;
                seq.add(next);
                visited.add(np);
                walked += next.length();
                cur = next;
            }
            if (best.isEmpty()) { best = seq; continue; }
            long bh = best.get(best.size() - 1).sequence();
            int c = Long.compareUnsigned(cur.sequence(), bh);
            if (c > 0 || (c == 0 && seq.size() > best.size())) best = seq;
        }
        if (best.isEmpty()) return best;
        Entry head = best.get(best.size() - 1);
        for (int i = 0; i < best.size(); i++) {
            if (best.get(i).start() == head.tail()) return best.subList(i, best.size());
        }
        throw new BlockException("VHDX log is corrupt: the tail (log offset " + head.tail() + ") of the newest entry (sequence "
                + Long.toUnsignedString(head.sequence()) + ") does not start a valid sequence of entries leading to it");
    }

    private Entry cached(java.util.Map<Long, Entry> cache, long pos) throws IOException {
        if (cache.containsKey(pos)) return cache.get(pos);
        Entry e = readEntry(pos);
        cache.put(pos, e);
        return e;
    }

    /** Replays the active sequence onto the file; returns the number of entries applied. */
    int replay(long fileSize, long[][] protectedRegions) throws IOException {
        List<Entry> seq = activeSequence();
        if (seq.isEmpty()) return 0;
        Entry head = seq.get(seq.size() - 1);
        if (head.flushedFileOffset() > fileSize || head.flushedFileOffset() < 0) {
            throw new BlockException("VHDX log: the file is " + fileSize + " bytes but the log says " + head.flushedFileOffset()
                    + " bytes were flushed: the image is truncated or the log is corrupt");
        }
        if (head.lastFileOffset() < 0 || head.lastFileOffset() > (1L << 50)) {
            throw new BlockException("VHDX log: LastFileOffset " + Long.toUnsignedString(head.lastFileOffset()) + " is absurd");
        }
        for (Entry en : seq) {
            for (Descriptor d : en.descriptors()) {
                long end = d.fileOffset() + d.zeroLength();
                if (end > (1L << 50)) throw new BlockException("VHDX log: descriptor writes beyond any sane file size (" + end + ")");
                for (long[] r : protectedRegions) {
                    if (d.fileOffset() < r[1] && r[0] < end) {
                        throw new BlockException("VHDX log: entry " + en.sequence() + " would overwrite the log itself or the file headers");
                    }
                }
            }
        }
        for (Entry en : seq) {
            for (Descriptor d : en.descriptors()) {
                if (d.data() != null) {
                    file.write(d.fileOffset(), ByteBuffer.wrap(d.data()));
                } else {
                    ByteBuffer z = ByteBuffer.allocate((int) Math.min(d.zeroLength(), 1 << 20));
                    for (long o = 0; o < d.zeroLength(); o += z.capacity()) {
                        int n = (int) Math.min(z.capacity(), d.zeroLength() - o);
                        file.write(d.fileOffset() + o, z.clear().limit(n));
                    }
                }
            }
        }
        if (file.size() < head.lastFileOffset()) {
            file.write(head.lastFileOffset() - 1, ByteBuffer.allocate(1));
        }
        file.flush();
        return seq.size();
    }

    /** Builds a log entry (for the writer and for tests that need images with a log to replay). */
    static byte[] buildEntry(UUID logGuid, long sequence, long tail, long flushedFileOffset, long lastFileOffset, List<Descriptor> ds) {
        int descSectors = (int) ((64 + ds.size() * 32L + SECTOR - 1) / SECTOR);
        int dataCount = (int) ds.stream().filter(d -> d.data() != null).count();
        int len = (descSectors + dataCount) * SECTOR;
        ByteBuffer e = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
        e.putInt(0, ENTRY_SIGNATURE).putInt(8, len).putInt(12, (int) tail).putLong(16, sequence).putInt(24, ds.size());
        VhdxGuid.put(e, 32, logGuid);
        e.putLong(48, flushedFileOffset).putLong(56, lastFileOffset);
        int ds0 = 64, dataSector = descSectors;
        for (Descriptor d : ds) {
            if (d.data() == null) {
                e.putInt(ds0, ZERO_SIGNATURE).putLong(ds0 + 8, d.zeroLength()).putLong(ds0 + 16, d.fileOffset()).putLong(ds0 + 24, sequence);
            } else {
                ByteBuffer db = ByteBuffer.wrap(d.data()).order(ByteOrder.LITTLE_ENDIAN);
                e.putInt(ds0, DESC_SIGNATURE).putInt(ds0 + 4, db.getInt(SECTOR - 4)).putLong(ds0 + 8, db.getLong(0))
                        .putLong(ds0 + 16, d.fileOffset()).putLong(ds0 + 24, sequence);
                int s = dataSector * SECTOR;
                e.put(s, d.data(), 0, SECTOR);
                e.putInt(s, DATA_SIGNATURE).putInt(s + 4, (int) (sequence >>> 32)).putInt(s + SECTOR - 4, (int) sequence);
                dataSector++;
            }
            ds0 += 32;
        }
        CRC32C c = new CRC32C();
        c.update(e.array(), 0, len);
        e.putInt(4, (int) c.getValue());
        return e.array();
    }
}
