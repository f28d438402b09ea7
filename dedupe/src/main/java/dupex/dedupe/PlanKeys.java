package dupex.dedupe;

import dupex.scanner.FileId;
import java.nio.ByteBuffer;

/**
 * Spill key layouts of the planner. Fixed-width big-endian; signed values are offset by 2^63 so byte order is
 * numeric order.
 * <pre>
 * pairs:  dst(16) src(16) delta(8, biased) shared(1) dstOffset(8)          -> anchorLength(4) flags(1)   unshared first
 * found:  dst(16) dstOffset(8) flags(1) src(16) srcOffset(8)              -> length(8)     runs, by place in dst
 * ranges: ~length(8) src(16) srcOffset(8) dst(16) dstOffset(8)             -> (empty)   largest first
 * bydest: dst(16) dstOffset(8)                                 -> length(8) src(16) srcOffset(8)  (btrfs estimate)
 * </pre>
 */
final class PlanKeys {
  static final int PAIR = 49, FOUND = 49, RANGE = 56;
  /** flags: the destination's anchor is on a physical block another destination of its group has (frees nothing more). */
  static final int SHADOW = 1;
  /** flags: the run is the destination's whole file (kept whatever its length). */
  static final int WHOLE_FILE = 2;
  /**
   * flags: the run is what is left unshared of a longer one whose other parts share the source's blocks already
   * (kept whatever its length: sharing it joins extents rather than cutting one).
   */
  static final int JOINED = 4;
  /**
   * flags: the destination's anchor is on the source's physical block already (an earlier dedupe, a reflink). The
   * highest flag, so that a shared run sorts after an unshared one at the same place.
   */
  static final int SHARED = 8;

  private PlanKeys() {}

  /** An anchor: {@code dst} at {@code dstOffset} holds what {@code src} holds {@code delta} bytes before. */
  static byte[] pair(FileId dst, FileId src, long delta, long dstOffset) {
    return pair(dst, src, delta, false, dstOffset);
  }

  /** As {@link #pair(FileId, FileId, long, long)}; a shared anchor sorts after every unshared one of its run. */
  static byte[] pair(FileId dst, FileId src, long delta, boolean shared, long dstOffset) {
    return put(put(ByteBuffer.allocate(PAIR), dst), src).putLong(delta ^ Long.MIN_VALUE).put((byte) (shared ? 1 : 0))
        .putLong(dstOffset).array();
  }

  /** The key prefix of every anchor of one (dst, src, delta). */
  static byte[] run(FileId dst, FileId src, long delta) {
    return put(put(ByteBuffer.allocate(40), dst), src).putLong(delta ^ Long.MIN_VALUE).array();
  }

  /** The key prefix of the shared anchors of one (dst, src, delta) (they sort after its unshared ones). */
  static byte[] sharedRun(FileId dst, FileId src, long delta) {
    return ByteBuffer.allocate(41).put(run(dst, src, delta)).put((byte) 1).array();
  }

  record Pair(FileId dst, FileId src, long delta, long dstOffset) {
    long srcOffset() {
      return dstOffset - delta;
    }

    boolean sameRun(Pair o) {
      return o != null && dst.equals(o.dst) && src.equals(o.src) && delta == o.delta;
    }
  }

  static Pair pair(byte[] key) {
    ByteBuffer b = ByteBuffer.wrap(key);
    FileId dst = id(b), src = id(b);
    long delta = b.getLong() ^ Long.MIN_VALUE;
    b.get();
    return new Pair(dst, src, delta, b.getLong());
  }

  static byte[] pairValue(int anchorLength, int flags) {
    return ByteBuffer.allocate(5).putInt(anchorLength).put((byte) flags).array();
  }

  /** A run found around anchors; unshared runs sort before shared ones at the same place. */
  static byte[] found(FileId dst, long dstOffset, int flags, FileId src, long srcOffset) {
    ByteBuffer b = put(ByteBuffer.allocate(FOUND), dst).putLong(dstOffset).put((byte) flags);
    return put(b, src).putLong(srcOffset).array();
  }

  record Found(FileId dst, long dstOffset, int flags, FileId src, long srcOffset, long length) {
    boolean has(int flag) {
      return (flags & flag) != 0;
    }
  }

  static Found found(byte[] key, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(key);
    FileId dst = id(b);
    long dstOffset = b.getLong();
    int flags = b.get() & 0xff;
    return new Found(dst, dstOffset, flags, id(b), b.getLong(), ByteBuffer.wrap(value).getLong());
  }

  static byte[] range(DupeRange r) {
    ByteBuffer b = ByteBuffer.allocate(RANGE).putLong(~r.length());
    return put(put(b, r.src()).putLong(r.srcOffset()), r.dst()).putLong(r.dstOffset()).array();
  }

  static DupeRange range(byte[] key) {
    ByteBuffer b = ByteBuffer.wrap(key);
    long length = ~b.getLong();
    FileId src = id(b);
    long srcOffset = b.getLong();
    FileId dst = id(b);
    return new DupeRange(src, srcOffset, dst, b.getLong(), length);
  }

  /** A file, alone: sorts as the files column family does. */
  static byte[] file(FileId id) {
    return put(ByteBuffer.allocate(16), id).array();
  }

  static byte[] destRange(FileId dst, long dstOffset) {
    return put(ByteBuffer.allocate(24), dst).putLong(dstOffset).array();
  }

  static FileId destFile(byte[] key) {
    return id(ByteBuffer.wrap(key));
  }

  static long destOffset(byte[] key) {
    return ByteBuffer.wrap(key).getLong(16);
  }

  static byte[] destValue(long length, FileId src, long srcOffset) {
    return put(ByteBuffer.allocate(32).putLong(length), src).putLong(srcOffset).array();
  }

  /** A bydest entry. */
  static BtrfsFreedEstimate.Planned planned(byte[] key, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    long length = b.getLong();
    return new BtrfsFreedEstimate.Planned(destOffset(key), length, id(b), b.getLong());
  }

  static byte[] longValue(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static int intOf(byte[] v) {
    return ByteBuffer.wrap(v).getInt();
  }

  static int flagsOf(byte[] pairValue) {
    return pairValue[4] & 0xff;
  }

  private static ByteBuffer put(ByteBuffer b, FileId id) {
    return b.putLong(id.device()).putLong(id.inode());
  }

  private static FileId id(ByteBuffer b) {
    return new FileId(b.getLong(), b.getLong());
  }
}
