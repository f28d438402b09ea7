package dupex.index;

import dupex.linux.BytePath;
import dupex.scanner.FileScan;
import dupex.scanner.FileId;
import dupex.scanner.Samples;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Key and value layouts of the column families. Keys are fixed-width big-endian so byte order is numeric order.
 * <pre>
 * files:  device(8) inode(8)                       -> size, mtime, ctime, epoch, layoutHash (8 each), blockSize(4),
 *                                                     blockCount(4), flags(4: 1 = stale), pathCount(4), paths (len(4) bytes, as the kernel names them)
 * hashes: device(8) inode(8)                       -> the file's block hashes, 8 bytes each (0: no data), then its
 *                                                     samples: 4 KiB block (varint, from the previous one) hash(8)
 * blocks: hash(8) device(8) inode(8) unit(4)       -> physical(8) [length(4), unless 4 KiB]
 *         the file's anchors: its first block (unit 0, the length of that block) and its 4 KiB samples (unit =
 *         offset / 4 KiB); equal hashes mean equal lengths, since hashes are seeded by length
 * done:   dst device(8) inode(8) offset(8), src device(8) inode(8) offset(8), length(8)
 *                                                  -> a 64-bit mix of both files' size, mtime, ctime and layoutHash
 * </pre>
 */
final class Codec {
  static final int FILE_KEY = 16, BLOCK_KEY = 28;
  /** files flag: the file changed under a dedupe; hash it again whatever its stat says. */
  static final int STALE = 1;

  private Codec() {}

  static byte[] fileKey(FileId id) {
    return ByteBuffer.allocate(FILE_KEY).putLong(id.device()).putLong(id.inode()).array();
  }

  /** A range the kernel said SAME for: keyed by destination first, so a file's ranges are one key range. */
  static byte[] doneKey(FileId src, long srcOffset, FileId dst, long dstOffset, long length) {
    return ByteBuffer.allocate(56).putLong(dst.device()).putLong(dst.inode()).putLong(dstOffset)
        .putLong(src.device()).putLong(src.inode()).putLong(srcOffset).putLong(length).array();
  }

  /** Both files as they are: a dedupe done at this state is not worth repeating until one of them changes. */
  static byte[] doneValue(FileRecord src, FileRecord dst) {
    long h = 0x9E3779B97F4A7C15L;
    for (FileRecord r : new FileRecord[] {src, dst}) {
      for (long v : new long[] {r.size(), r.mtimeNs(), r.ctimeNs(), r.layoutHash()}) h = mix(h ^ mix(v));
    }
    return ByteBuffer.allocate(8).putLong(h).array();
  }

  /** splitmix64's finalizer: every input bit reaches every output bit. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** The first key after every key that starts with {@code prefix}. */
  static byte[] after(byte[] prefix) {
    byte[] end = prefix.clone();
    for (int i = end.length - 1; i >= 0; i--) {
      if (++end[i] != 0) return end;
    }
    throw new IllegalArgumentException("no key after all 0xff");
  }

  static FileId fileId(byte[] key) {
    ByteBuffer b = ByteBuffer.wrap(key);
    return new FileId(b.getLong(), b.getLong());
  }

  static byte[] blockKey(long hash, FileId id, long offset) {
    return ByteBuffer.allocate(BLOCK_KEY).putLong(hash).putLong(id.device()).putLong(id.inode())
        .putInt(Math.toIntExact(offset / Samples.BLOCK)).array();
  }

  static long blockHash(byte[] key) {
    return ByteBuffer.wrap(key).getLong(0);
  }

  static Posting posting(byte[] key, byte[] value) {
    ByteBuffer k = ByteBuffer.wrap(key), v = ByteBuffer.wrap(value);
    long physical = v.getLong(0);
    return new Posting(new FileId(k.getLong(8), k.getLong(16)), Integer.toUnsignedLong(k.getInt(24)) * Samples.BLOCK,
        FileScan.address(physical), value.length >= 12 ? v.getInt(8) : Samples.BLOCK, (physical & FileScan.SHARED_EXTENT) != 0);
  }

  /** A 4 KiB sample stores only its physical address: 4 bytes less for all but a file's first-block anchor. */
  static byte[] blockValue(long physical, int length) {
    if (length == Samples.BLOCK) return ByteBuffer.allocate(8).putLong(physical).array();
    return ByteBuffer.allocate(12).putLong(physical).putInt(length).array();
  }

  static byte[] fileValue(FileRecord r) {
    List<byte[]> names = new ArrayList<>();
    int pathBytes = 0;
    for (BytePath p : r.paths()) {
      byte[] n = p.bytes();
      names.add(n);
      pathBytes += 4 + n.length;
    }
    ByteBuffer b = ByteBuffer.allocate(8 * 5 + 4 * 4 + pathBytes);
    b.putLong(r.size()).putLong(r.mtimeNs()).putLong(r.ctimeNs()).putLong(r.epoch()).putLong(r.layoutHash());
    b.putInt(r.blockSize()).putInt(r.blockCount()).putInt(r.stale() ? STALE : 0);
    b.putInt(names.size());
    for (byte[] n : names) b.putInt(n.length).put(n);
    return b.array();
  }

  /** The epoch field of a files value, without decoding the rest. */
  static long fileEpoch(byte[] value) {
    return ByteBuffer.wrap(value).getLong(24);
  }

  static FileRecord fileRecord(byte[] key, byte[] value) {
    ByteBuffer b = ByteBuffer.wrap(value);
    long size = b.getLong(), mtime = b.getLong(), ctime = b.getLong(), epoch = b.getLong(), layout = b.getLong();
    int blockSize = b.getInt(), blockCount = b.getInt(), flags = b.getInt();
    int count = b.getInt();
    List<BytePath> paths = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      byte[] n = new byte[b.getInt()];
      b.get(n);
      paths.add(BytePath.of(n));
    }
    return new FileRecord(fileId(key), paths, size, mtime, ctime, epoch, layout, blockSize, blockCount, (flags & STALE) != 0);
  }

  static byte[] hashesValue(long[] hashes, Samples samples) {
    ByteBuffer b = ByteBuffer.allocate(8 * hashes.length + 13 * samples.count());
    for (long h : hashes) b.putLong(h);
    int last = 0;
    for (int i = 0; i < samples.count(); i++) {
      putVarint(b, samples.blocks()[i] - last); // one byte for the usual gap of 32 blocks
      last = samples.blocks()[i];
      b.putLong(samples.hashes()[i]);
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  private static void putVarint(ByteBuffer b, int v) {
    while ((v & ~0x7f) != 0) {
      b.put((byte) ((v & 0x7f) | 0x80));
      v >>>= 7;
    }
    b.put((byte) v);
  }

  private static int getVarint(ByteBuffer b) {
    int v = 0;
    for (int shift = 0; ; shift += 7) {
      byte x = b.get();
      v |= (x & 0x7f) << shift;
      if (x >= 0) return v;
    }
  }

  static long[] hashes(byte[] value, int blockCount) {
    ByteBuffer b = ByteBuffer.wrap(value);
    long[] h = new long[blockCount];
    for (int i = 0; i < h.length; i++) h[i] = b.getLong();
    return h;
  }

  /** The samples of a hashes value, without physical addresses (the postings hold those). */
  static Samples samples(byte[] value, int blockCount) {
    ByteBuffer b = ByteBuffer.wrap(value).position(8 * blockCount);
    int[] blocks = new int[b.remaining() / 9];
    long[] hashes = new long[blocks.length];
    int n = 0, last = 0;
    while (b.hasRemaining()) {
      last += getVarint(b);
      blocks[n] = last;
      hashes[n++] = b.getLong();
    }
    return new Samples(java.util.Arrays.copyOf(blocks, n), java.util.Arrays.copyOf(hashes, n), new long[n]);
  }

  static byte[] longValue(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long longOf(byte[] v) {
    return ByteBuffer.wrap(v).getLong();
  }
}
