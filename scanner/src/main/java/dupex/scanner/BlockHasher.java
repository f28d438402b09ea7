package dupex.scanner;

import dupex.linux.Extent;
import dupex.linux.FileHandle;
import dupex.linux.FileStat;
import dupex.linux.NativeIOException;
import java.nio.ByteBuffer;
import java.util.List;
import net.jpountz.xxhash.XXHash64;
import net.jpountz.xxhash.XXHashFactory;

/**
 * Hashes a file's data in fixed blocks aligned to its start, and samples its 4 KiB blocks by content
 * ({@link Samples}). Each 4 KiB piece is hashed once with XXH64 seeded by its length; a longer block's hash is XXH64
 * over its pieces' hashes, seeded by the block's length (so a short last block only matches a block of the same
 * length), which reads the bytes once for both.
 * Reads only blocks that hold data according to FIEMAP, in large sequential reads into an aligned direct buffer,
 * and takes the hash of a block whose physical address was hashed already from the cache instead of reading it
 * (such a block has no samples: the file it was read from holds them). One instance per reader at a time.
 */
public final class BlockHasher {
  /**
   * Large sequential reads keep a disk streaming. Reads of 1, 2, 4 and 8 MiB took the same time over 1.5 GiB cold
   * with four readers (loop XFS on a virtual disk); 2 MiB is above the block layer's usual largest request
   * (max_sectors_kb 1280), and the readers' buffers cost 10 MiB rather than 40 at 8 MiB.
   */
  static final int READ_SIZE = 2 << 20;
  private static final XXHash64 XXH64 = XXHashFactory.fastestInstance().hash64();

  private final int blockSize;
  private final PhysicalHashCache cache;
  private final ScanCounters counters;
  /** The read buffer, allocated at the first read: a rescan that reads nothing never pays for it. */
  private ByteBuffer buffer;
  private final ByteBuffer scratch;

  public BlockHasher(int blockSize, PhysicalHashCache cache, ScanCounters counters) {
    this.blockSize = blockSize;
    this.cache = cache;
    this.counters = counters;
    this.scratch = ByteBuffer.allocate((blockSize + Samples.BLOCK - 1) / Samples.BLOCK * 8);
  }

  private ByteBuffer buffer() {
    if (buffer == null) {
      // A misaligned buffer made reads several times slower: align to the page.
      buffer = ByteBuffer.allocateDirect(Math.max(READ_SIZE, blockSize) + 4096).alignedSlice(4096);
    }
    return buffer;
  }

  /** The hash of one block's bytes; never {@link FileScan#NO_DATA}. */
  public static long hash(ByteBuffer data, int offset, int length) {
    if (length <= Samples.BLOCK) return piece(data, offset, length);
    long[] pieces = new long[(length + Samples.BLOCK - 1) / Samples.BLOCK];
    for (int k = 0; k < pieces.length; k++) pieces[k] = piece(data, offset + k * Samples.BLOCK, Math.min(Samples.BLOCK, length - k * Samples.BLOCK));
    return combine(pieces, pieces.length, length, ByteBuffer.allocate(pieces.length * 8));
  }

  /** XXH64 of at most 4 KiB, seeded by its length; never {@link FileScan#NO_DATA}. */
  private static long piece(ByteBuffer data, int offset, int length) {
    long h = XXH64.hash(data, offset, length, length);
    return h == FileScan.NO_DATA ? 1 : h;
  }

  /** A block's hash from its {@code n} pieces' hashes ({@code scratch} holds at least {@code 8 n} bytes). */
  private static long combine(long[] pieces, int n, int length, ByteBuffer scratch) {
    if (n == 1) return pieces[0];
    scratch.clear();
    for (int k = 0; k < n; k++) scratch.putLong(pieces[k]);
    long h = XXH64.hash(scratch.array(), 0, n * 8, length);
    return h == FileScan.NO_DATA ? 1 : h;
  }

  /** Why a file could not be hashed as scanned: it changed or vanished meanwhile. */
  public static final class ChangedException extends Exception {
    public ChangedException(String message) {
      super(message);
    }
  }

  /**
   * Whether a block's hash is looked up and remembered by physical address: only in an extent another file
   * references too. A block of an unshared extent can meet its address again in this run only once it was freed and
   * reused for other data (a file deleted meanwhile, or a copy this run shared while scanning), whose hash the cache
   * would get wrong.
   */
  private static boolean cacheable(long physical) {
    return (physical & FileScan.SHARED_EXTENT) != 0;
  }

  /**
   * Hashes an open file whose fstat matched the walk. {@code extents} is its FIEMAP (taken with SYNC).
   *
   * @throws ChangedException the file's size or mtime changed while it was read
   */
  public FileScan hash(FileEntry entry, FileHandle file, FileStat stat, List<Extent> extents)
      throws NativeIOException, ChangedException {
    long size = stat.size();
    int blocks = FileScan.blockCount(size, blockSize);
    long[] hashes = new long[blocks];
    long[] physicals = new long[blocks];
    boolean[] needsRead = new boolean[blocks];
    layout(extents, size, blockSize, physicals, needsRead);
    for (int i = 0; i < blocks; i++) {
      if (!needsRead[i]) continue;
      long cached = cacheable(physicals[i]) && blockLength(size, i) == blockSize ? cache.get(FileScan.address(physicals[i])) : FileScan.NO_DATA;
      if (cached != FileScan.NO_DATA) {
        hashes[i] = cached;
        needsRead[i] = false;
        counters.bytesReused.addAndGet(blockSize);
      }
    }
    file.adviseSequential();
    ByteBuffer buffer = buffer();
    int perRead = buffer.capacity() / blockSize;
    Samples.Builder samples = new Samples.Builder();
    PhysicalCursor where = new PhysicalCursor(extents, size);
    long[] pieces = new long[(blockSize + Samples.BLOCK - 1) / Samples.BLOCK];
    for (int i = 0; i < blocks; ) {
      if (!needsRead[i]) {
        i++;
        continue;
      }
      int run = 1;
      while (run < perRead && i + run < blocks && needsRead[i + run]) run++;
      long offset = (long) i * blockSize;
      int length = (int) Math.min((long) run * blockSize, size - offset);
      buffer.clear().limit(length);
      int got = file.read(buffer, offset);
      counters.bytesRead.addAndGet(got);
      if (got < length) throw new ChangedException("shrank while it was read");
      for (int k = 0; k < run; k++) {
        int b = i + k;
        int len = blockLength(size, b);
        hashes[b] = hashAndSample(buffer, k * blockSize, len, (long) b * blockSize, pieces, scratch, samples, where);
        if (cacheable(physicals[b]) && len == blockSize) cache.put(FileScan.address(physicals[b]), hashes[b]);
      }
      counters.blocksHashed.addAndGet(run);
      i += run;
    }
    FileStat after = file.stat();
    if (after.size() != stat.size() || after.mtimeNs() != stat.mtimeNs()) throw new ChangedException("changed while it was read");
    counters.filesHashed.incrementAndGet();
    return new FileScan(entry.id(), entry.paths(), size, stat.mtimeNs(), stat.ctimeNs(), blockSize, hashes, physicals,
        samples.build());
  }

  /**
   * The hash of one block's bytes (as {@link #hash}), hashing each 4 KiB piece once, and keeps the full pieces the
   * content-defined rule samples.
   */
  static long hashAndSample(ByteBuffer data, int at, int length, long fileOffset, long[] pieces, ByteBuffer scratch,
                            Samples.Builder samples, PhysicalCursor where) {
    int n = 0;
    for (int k = 0; k < length; k += Samples.BLOCK, n++) {
      int len = Math.min(Samples.BLOCK, length - k);
      long h = piece(data, at + k, len);
      pieces[n] = h;
      if (len == Samples.BLOCK && Samples.sampled(h)) {
        long offset = fileOffset + k;
        samples.add((int) (offset / Samples.BLOCK), h, where.physical(offset, Samples.BLOCK));
      }
    }
    return combine(pieces, n, length, scratch);
  }

  /**
   * Physical addresses of a file's 4 KiB sampled blocks, as {@link #physicals} gives them for its blocks (after a
   * dedupe or a defragmentation moved them).
   */
  public static long[] samplePhysicals(List<Extent> extents, long size, int[] blocks) {
    PhysicalCursor where = new PhysicalCursor(extents, size);
    long[] out = new long[blocks.length];
    for (int i = 0; i < blocks.length; i++) out[i] = where.physical((long) blocks[i] * Samples.BLOCK, Samples.BLOCK);
    return out;
  }

  /** Looks up physical addresses at ascending offsets in one pass over an extent map. */
  static final class PhysicalCursor {
    private final List<Extent> extents;
    private final long size;
    private int next;

    PhysicalCursor(List<Extent> extents, long size) {
      this.extents = extents;
      this.size = size;
    }

    /** The address of [offset, offset + length) if it lies in one addressable extent (marked if shared), else 0. */
    long physical(long offset, int length) {
      while (next < extents.size() && extents.get(next).end() <= offset) next++;
      if (next == extents.size()) return 0;
      Extent e = extents.get(next);
      long stop = Math.min(offset + length, size);
      if (!e.shareable() || !e.addressable() || e.logical() > offset || e.end() < stop) return 0;
      return (e.physical() + (offset - e.logical())) | (e.shared() ? FileScan.SHARED_EXTENT : 0);
    }
  }

  /**
   * Physical address of each block of a file (0 where not one contiguous unencoded run), marked
   * {@link FileScan#SHARED_EXTENT} where its extent is shared, from its extent map.
   */
  public static long[] physicals(List<Extent> extents, long size, int blockSize) {
    int blocks = FileScan.blockCount(size, blockSize);
    long[] physicals = new long[blocks];
    layout(extents, size, blockSize, physicals, new boolean[blocks]);
    return physicals;
  }

  private int blockLength(long size, int blockIndex) {
    return (int) Math.min(blockSize, size - (long) blockIndex * blockSize);
  }

  /**
   * From the extent map: which blocks hold shareable data (and must be hashed), and for blocks lying whole in one
   * addressable extent, their physical address (extents never overlap, so whole coverage by one is unambiguous).
   */
  static void layout(List<Extent> extents, long size, int blockSize, long[] physicals, boolean[] hasData) {
    for (Extent e : extents) {
      if (!e.shareable() || e.logical() >= size) continue;
      long end = Math.min(e.end(), size);
      int first = (int) (e.logical() / blockSize), last = (int) ((end - 1) / blockSize);
      for (int b = first; b <= last; b++) {
        hasData[b] = true;
        long start = (long) b * blockSize, stop = Math.min(start + blockSize, size);
        if (e.addressable() && e.logical() <= start && e.end() >= stop) {
          physicals[b] = (e.physical() + (start - e.logical())) | (e.shared() ? FileScan.SHARED_EXTENT : 0);
        }
      }
    }
  }

}
