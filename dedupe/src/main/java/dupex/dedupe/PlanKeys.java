package dupex.dedupe;

import dupex.scanner.FileId;
import java.nio.ByteBuffer;

/**
 * Spill key layouts of the planner. Fixed-width big-endian; signed values are offset by 2^63 so byte order is
 * numeric order.
 * <pre>
 * pairs:  dst(16) src(16) delta(8, biased) dstBlock(4)                     -> blockLength(4)
 * ranges: ~length(8) src(16) srcOffset(8) dst(16) dstOffset(8)             -> (empty)   largest first
 * bydest: dst(16) dstOffset(8)                                 -> length(8) src(16) srcOffset(8)  (btrfs estimate)
 * </pre>
 */
final class PlanKeys {
  static final int PAIR = 44, RANGE = 56;

  private PlanKeys() {}

  static byte[] pair(FileId dst, FileId src, long delta, int dstBlock) {
    return put(put(ByteBuffer.allocate(PAIR), dst), src).putLong(delta ^ Long.MIN_VALUE).putInt(dstBlock).array();
  }

  record Pair(FileId dst, FileId src, long delta, int dstBlock) {}

  static Pair pair(byte[] key) {
    ByteBuffer b = ByteBuffer.wrap(key);
    return new Pair(id(b), id(b), b.getLong() ^ Long.MIN_VALUE, b.getInt());
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

  static byte[] intValue(int v) {
    return ByteBuffer.allocate(4).putInt(v).array();
  }

  static int intOf(byte[] v) {
    return ByteBuffer.wrap(v).getInt();
  }

  private static ByteBuffer put(ByteBuffer b, FileId id) {
    return b.putLong(id.device()).putLong(id.inode());
  }

  private static FileId id(ByteBuffer b) {
    return new FileId(b.getLong(), b.getLong());
  }
}
